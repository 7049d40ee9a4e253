// The relay's frame cutter: whatever the chunking of the input (every split point, one byte at a time), passed
// frames come out byte for byte, peeked payloads are whole, held frames are replaced, dropped ones left out, and
// injected bytes land right before their frame.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockFragment, FLAG, FRAME, FrameCutter, frameHeader, PREFACE_LENGTH } from '../../../proxy/h2-frames.js';
import type { FrameAction, FrameHead } from '../../../proxy/h2-frames.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const f = (type: number, flags: number, stream: number, payload: Buffer): Buffer => Buffer.concat([frameHeader(payload.length, type, flags, stream), payload]);

const SETTINGS = f(FRAME.SETTINGS, 0, 0, Buffer.alloc(12, 1));
const HEADERS = f(FRAME.HEADERS, FLAG.END_HEADERS, 1, Buffer.from('header-block'));
const DATA_KEEP = f(FRAME.DATA, 0, 1, Buffer.alloc(40, 7));
const DATA_DROP = f(FRAME.DATA, 0, 3, Buffer.alloc(30, 9));
const WINDOW = f(FRAME.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 1, 0]));
const EMPTY = f(FRAME.DATA, FLAG.END_STREAM, 1, Buffer.alloc(0));
const INPUT = Buffer.concat([PREFACE, SETTINGS, HEADERS, DATA_KEEP, DATA_DROP, WINDOW, EMPTY]);
const MARK = Buffer.from('<injected>');
const REPLACED = f(FRAME.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 0, 9]));
const EXPECTED = Buffer.concat([PREFACE, SETTINGS, HEADERS, DATA_KEEP, MARK, REPLACED, EMPTY]);

/** Runs INPUT through a cutter in the given chunks; returns the output and what the handler saw. */
function run(chunks: Buffer[]): { out: Buffer; peeked: string[]; heads: FrameHead[] } {
  const peeked: string[] = [];
  const heads: FrameHead[] = [];
  const cutter = new FrameCutter({
    head(h, inject): FrameAction {
      heads.push(h);
      if (h.type === FRAME.HEADERS) return 'peek';
      if (h.type === FRAME.DATA && h.stream === 3) return 'drop';
      if (h.type === FRAME.WINDOW_UPDATE) { inject(MARK); return 'hold'; }
      return 'pass';
    },
    frame(h, p) {
      if (h.type === FRAME.HEADERS) { peeked.push(blockFragment(h, p).toString()); return undefined; }
      assert.equal(p.readUInt32BE(0), 256);
      return REPLACED;
    },
  }, true);
  const out = Buffer.concat(chunks.flatMap((c) => cutter.push(c)));
  return { out, peeked, heads };
}

test('one chunk, every two-chunk split and one byte at a time give the same output', () => {
  const splits: Buffer[][] = [[INPUT], [...INPUT].map((b) => Buffer.from([b]))];
  for (let i = 1; i < INPUT.length; i++) splits.push([INPUT.subarray(0, i), INPUT.subarray(i)]);
  for (const chunks of splits) {
    const r = run(chunks.map((c) => Buffer.from(c)));
    assert.deepEqual(r.out, EXPECTED, `chunk sizes ${chunks.map((c) => c.length).join(',')}`);
    assert.deepEqual(r.peeked, ['header-block']);
    assert.deepEqual(r.heads.map((h) => [h.type, h.stream, h.length]), [[4, 0, 12], [1, 1, 12], [0, 1, 40], [0, 3, 30], [8, 0, 4], [0, 1, 0]]);
  }
  assert.equal(PREFACE.length, PREFACE_LENGTH);
});

test('a chunk made only of passed frames goes out as the same buffer', () => {
  const cutter = new FrameCutter({ head: () => 'pass', frame: () => undefined }, false);
  const chunk = Buffer.concat([SETTINGS, DATA_KEEP]);
  const out = cutter.push(chunk);
  assert.equal(out.length, 1);
  assert.equal(out[0], chunk);
});

test('header block fragments: padding and priority are stripped', () => {
  const padded = Buffer.concat([Buffer.from([3]), Buffer.from([0, 0, 0, 1, 16]), Buffer.from('blk'), Buffer.alloc(3)]);
  const h: FrameHead = { length: padded.length, type: FRAME.HEADERS, flags: FLAG.PADDED | FLAG.PRIORITY | FLAG.END_HEADERS, stream: 1 };
  assert.equal(blockFragment(h, padded).toString(), 'blk');
  assert.throws(() => blockFragment({ ...h, flags: FLAG.PADDED }, Buffer.from([9, 1])), /padding/);
});
