// The HPACK decoder against RFC 7541 Appendix C: integers (C.1), single fields (C.2), request sequences without
// and with Huffman coding (C.3, C.4) and response sequences with a 256-octet table and eviction (C.5, C.6).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HpackDecoder, HUFFMAN_LENGTHS, huffmanCode, huffmanDecode } from '../../../proxy/hpack.js';
import type { HeaderField } from '../../../proxy/hpack.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Decodes each block in turn, checking the fields, the table (newest first) and its size after each. */
function sequence(d: HpackDecoder, steps: readonly { block: string; fields: HeaderField[]; table: HeaderField[]; size: number }[]): void {
  for (const [i, s] of steps.entries()) {
    assert.deepEqual(d.decode(hex(s.block)), s.fields, `block ${i + 1}: fields`);
    assert.deepEqual(d.entries(), s.table, `block ${i + 1}: dynamic table`);
    assert.equal(d.size, s.size, `block ${i + 1}: table size`);
  }
}

test('Huffman code: canonical lengths give the codes of Appendix B', () => {
  assert.equal(HUFFMAN_LENGTHS.length, 257);
  assert.deepEqual(huffmanCode(0), [0x1ff8, 13]);
  assert.deepEqual(huffmanCode(48), [0x0, 5]);
  assert.deepEqual(huffmanCode(32), [0x14, 6]);
  assert.deepEqual(huffmanCode(122), [0x7b, 7]);
  assert.deepEqual(huffmanCode(255), [0x3ffffee, 26]);
  assert.deepEqual(huffmanCode(256), [0x3fffffff, 30]);
});

test('Huffman strings of C.4 and C.6; EOS and bad padding are rejected', () => {
  assert.equal(huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff')), 'www.example.com');
  assert.equal(huffmanDecode(hex('d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff')), 'Mon, 21 Oct 2013 20:13:21 GMT');
  assert.equal(huffmanDecode(hex('9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3')), 'https://www.example.com');
  assert.throws(() => huffmanDecode(hex('ffff fffc')), /EOS|padding/);
  assert.throws(() => huffmanDecode(hex('00')), /padding/);
});

test('C.1 integers and C.2 single fields', () => {
  // C.1.2's continuation bytes 9a 0a (1306) after a full prefix: 31 + 1306 = 1337 with 5 bits (a table size
  // update), 15 + 1306 = 1321 with the 4 bits of a never-indexed literal's name index.
  const d = new HpackDecoder();
  assert.throws(() => d.decode(hex('1f9a0a')), /index 1321 beyond/);
  assert.deepEqual(d.decode(hex('3f9a0a 400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572')), [['custom-key', 'custom-header']]);
  assert.deepEqual(d.decode(hex('3f9a0a be')), [['custom-key', 'custom-header']]);
  // C.1.3: 42 on an 8-bit boundary; here a 7-bit indexed field 42 (0x80 | 42) names 'if-range' of the static table.
  assert.deepEqual(d.decode(hex('aa')), [['if-range', '']]);
  sequence(new HpackDecoder(), [{ block: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572', fields: [['custom-key', 'custom-header']], table: [['custom-key', 'custom-header']], size: 55 }]);
  sequence(new HpackDecoder(), [{ block: '040c 2f73 616d 706c 652f 7061 7468', fields: [[':path', '/sample/path']], table: [], size: 0 }]);
  sequence(new HpackDecoder(), [{ block: '1008 7061 7373 776f 7264 0673 6563 7265 74', fields: [['password', 'secret']], table: [], size: 0 }]);
  sequence(new HpackDecoder(), [{ block: '82', fields: [[':method', 'GET']], table: [], size: 0 }]);
});

const REQ1: HeaderField[] = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
const REQ2: HeaderField[] = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: HeaderField[] = [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']];
const T1: HeaderField[] = [[':authority', 'www.example.com']];
const T2: HeaderField[] = [['cache-control', 'no-cache'], ...T1];
const T3: HeaderField[] = [['custom-key', 'custom-value'], ...T2];

test('C.3 requests without Huffman coding', () => {
  sequence(new HpackDecoder(), [
    { block: '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', fields: REQ1, table: T1, size: 57 },
    { block: '8286 84be 5808 6e6f 2d63 6163 6865', fields: REQ2, table: T2, size: 110 },
    { block: '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65', fields: REQ3, table: T3, size: 164 },
  ]);
});

test('C.4 requests with Huffman coding', () => {
  sequence(new HpackDecoder(), [
    { block: '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', fields: REQ1, table: T1, size: 57 },
    { block: '8286 84be 5886 a8eb 1064 9cbf', fields: REQ2, table: T2, size: 110 },
    { block: '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf', fields: REQ3, table: T3, size: 164 },
  ]);
});

const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const LOC = 'https://www.example.com';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const RES1: HeaderField[] = [[':status', '302'], ['cache-control', 'private'], ['date', DATE1], ['location', LOC]];
const RES2: HeaderField[] = [[':status', '307'], ['cache-control', 'private'], ['date', DATE1], ['location', LOC]];
const RES3: HeaderField[] = [[':status', '200'], ['cache-control', 'private'], ['date', DATE2], ['location', LOC], ['content-encoding', 'gzip'], ['set-cookie', COOKIE]];
const R1: HeaderField[] = [['location', LOC], ['date', DATE1], ['cache-control', 'private'], [':status', '302']];
const R2: HeaderField[] = [[':status', '307'], ['location', LOC], ['date', DATE1], ['cache-control', 'private']];
const R3: HeaderField[] = [['set-cookie', COOKIE], ['content-encoding', 'gzip'], ['date', DATE2]];

test('C.5 responses without Huffman coding, 256-octet table with eviction', () => {
  sequence(new HpackDecoder(256), [
    { block: '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', fields: RES1, table: R1, size: 222 },
    { block: '4803 3330 37c1 c0bf', fields: RES2, table: R2, size: 222 },
    { block: '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31', fields: RES3, table: R3, size: 215 },
  ]);
});

test('C.6 responses with Huffman coding, 256-octet table with eviction', () => {
  sequence(new HpackDecoder(256), [
    { block: '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3', fields: RES1, table: R1, size: 222 },
    { block: '4883 640e ffc1 c0bf', fields: RES2, table: R2, size: 222 },
    { block: '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07', fields: RES3, table: R3, size: 215 },
  ]);
});

test('a dynamic table size update evicts; truncated blocks throw', () => {
  const d = new HpackDecoder();
  d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'));
  assert.equal(d.size, 55);
  assert.deepEqual(d.decode(hex('20 82')), [[':method', 'GET']]);
  assert.equal(d.size, 0);
  assert.throws(() => d.decode(hex('400a 6375')), /truncated/);
  assert.throws(() => new HpackDecoder().decode(hex('1f')), /truncated/);
});
