// A minimal protobuf wire-format reader and writer (ours): enough to walk the fields of etcd's TxnRequest,
// AlarmRequest and MemberListResponse without a schema. Unknown fields are kept byte for byte.

/** One field of a message: its number, wire type, the raw bytes of the whole field, and its value. */
export interface PbField {
  readonly no: number;
  readonly wire: number;
  /** The whole field (tag included), to copy it unchanged. */
  readonly raw: Uint8Array;
  /** Varint value (wire type 0). */
  readonly varint?: bigint;
  /** Payload of a length-delimited field (wire type 2). */
  readonly bytes?: Uint8Array;
}

function readVarint(b: Uint8Array, pos: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = pos; i < b.length && i < pos + 10; i++) {
    const x = b[i] as number;
    value |= BigInt(x & 0x7f) << shift;
    if ((x & 0x80) === 0) return { value, next: i + 1 };
    shift += 7n;
  }
  throw new Error('protobuf: truncated varint');
}

/** Splits a message into its fields; throws on malformed input (groups, truncation). */
export function readFields(b: Uint8Array): PbField[] {
  const out: PbField[] = [];
  let pos = 0;
  while (pos < b.length) {
    const start = pos;
    const tag = readVarint(b, pos);
    pos = tag.next;
    const no = Number(tag.value >> 3n);
    const wire = Number(tag.value & 7n);
    if (no === 0) throw new Error('protobuf: field number 0');
    if (wire === 0) {
      const v = readVarint(b, pos);
      pos = v.next;
      out.push({ no, wire, raw: b.subarray(start, pos), varint: v.value });
    } else if (wire === 2) {
      const len = readVarint(b, pos);
      const end = len.next + Number(len.value);
      if (end > b.length) throw new Error('protobuf: truncated length-delimited field');
      out.push({ no, wire, raw: b.subarray(start, end), bytes: b.subarray(len.next, end) });
      pos = end;
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      if (pos > b.length) throw new Error('protobuf: truncated fixed field');
      out.push({ no, wire, raw: b.subarray(start, pos) });
    } else {
      throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
  }
  return out;
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) { out.push((v & 0x7f) | 0x80); v = Math.floor(v / 128); }
  out.push(v);
  return out;
}

/** Encodes a length-delimited field (a string, bytes or an embedded message). */
export function lengthDelimited(no: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...varintBytes(no * 8 + 2), ...varintBytes(payload.length)]), payload]);
}
