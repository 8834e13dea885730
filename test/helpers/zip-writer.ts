/**
 * A zip writer that can lie, for tests of the zip reader: every header field an attacker controls (names, Unix
 * modes, declared sizes, CRCs, flags, methods, where the central directory points) can be set by hand.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface RawEntry {
  name: string;
  data: Uint8Array;
  /** 8 (default): deflated; 0: stored; anything else is written as given. */
  method?: number;
  /** Unix mode (type and permissions) stored in the external attributes; regular 0o100644 by default. */
  mode?: number;
  /** Already compressed data to store instead of compressing `data`. */
  compressed?: Uint8Array;
  /** Header fields to write instead of the true ones. */
  declaredSize?: number;
  declaredCompressedSize?: number;
  crc?: number;
  flags?: number;
  /** Local header written with these sizes instead (a local/central disagreement). */
  localSize?: number;
  /** Point the central record at another entry's local header (its index) instead of writing one. */
  sameLocalAs?: number;
  /** Write no local header: the central record points `plus` bytes after entry `entry`'s local header. */
  pointAt?: { entry: number; plus: number };
}

export interface ZipOptions {
  /** Bytes before the first local header (a self-extracting stub, or junk). */
  prefix?: Uint8Array;
  /** Bytes after the end record. */
  suffix?: Uint8Array;
  /** Entry count written in the end record instead of the true one. */
  declaredCount?: number;
}

const u16 = (v: number) => Buffer.from([v & 0xff, (v >>> 8) & 0xff]);
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};

/** A zip archive of `entries`, honest unless an entry or `opts` says otherwise. */
export function buildZip(entries: RawEntry[], opts: ZipOptions = {}): Uint8Array {
  const parts: Buffer[] = [];
  let offset = 0;
  const push = (b: Uint8Array) => {
    parts.push(Buffer.from(b));
    offset += b.length;
  };
  if (opts.prefix) push(opts.prefix);
  const records: { e: RawEntry; local: number; body: Uint8Array; crc: number; method: number }[] = [];
  for (const e of entries) {
    const method = e.method ?? 8;
    const body = e.compressed ?? (method === 8 ? deflateRawSync(e.data) : e.data);
    const crc = e.crc ?? crc32(e.data);
    if (e.sameLocalAs !== undefined) {
      const other = records[e.sameLocalAs];
      if (!other) throw new Error('sameLocalAs names a later entry');
      records.push({ e, local: other.local, body: other.body, crc: other.crc, method: other.method });
      continue;
    }
    if (e.pointAt) {
      const other = records[e.pointAt.entry];
      if (!other) throw new Error('pointAt names a later entry');
      records.push({ e, local: other.local + e.pointAt.plus, body, crc, method });
      continue;
    }
    const name = Buffer.from(e.name, 'latin1');
    const size = e.localSize ?? e.declaredSize ?? e.data.length;
    records.push({ e, local: offset, body, crc, method });
    push(
      Buffer.concat([
        u32(0x04034b50),
        u16(20),
        u16(e.flags ?? 0),
        u16(method),
        u16(0),
        u16(0x21),
        u32(crc),
        u32(e.declaredCompressedSize ?? body.length),
        u32(size),
        u16(name.length),
        u16(0),
        name,
      ]),
    );
    push(body);
  }
  const cdStart = offset;
  for (const r of records) {
    const name = Buffer.from(r.e.name, 'latin1');
    push(
      Buffer.concat([
        u32(0x02014b50),
        u16((3 << 8) | 20),
        u16(20),
        u16(r.e.flags ?? 0),
        u16(r.method),
        u16(0),
        u16(0x21),
        u32(r.crc),
        u32(r.e.declaredCompressedSize ?? r.body.length),
        u32(r.e.declaredSize ?? r.e.data.length),
        u16(name.length),
        u16(0),
        u16(0),
        u16(0),
        u16(0),
        u32(((r.e.mode ?? 0o100644) << 16) >>> 0),
        u32(r.local),
        name,
      ]),
    );
  }
  const count = opts.declaredCount ?? records.length;
  push(
    Buffer.concat([
      u32(0x06054b50),
      u16(0),
      u16(0),
      u16(count),
      u16(count),
      u32(offset - cdStart),
      u32(cdStart),
      u16(0),
    ]),
  );
  if (opts.suffix) push(opts.suffix);
  return new Uint8Array(Buffer.concat(parts));
}
