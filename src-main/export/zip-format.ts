/**
 * The zip structures `unzip.ts` reads (end of central directory, central directory, local headers; APPNOTE 6.3),
 * parsed from buffers and checked against the caps before a single byte is inflated.
 */
import { UserError } from '../errors.ts';
import type { UnzipLimits } from './unzip.ts';

/** One file of the archive as its central directory describes it. */
export interface ZipEntry {
  /** The entry's path, checked to be a plain relative name (see `checkName`). */
  name: string;
  /** The name's bytes as stored (latin1), to compare with the local header. */
  rawName: string;
  isDir: boolean;
  /** 0 stored, 8 deflated. */
  method: 0 | 8;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  /** Where the entry's data starts; known once its local header was read. */
  dataOffset: number;
}

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const HOST_UNIX = 3;
const NAME_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._ -]*$/;

/** A field of a zip record: its offset from the record's signature and its width in bytes (little-endian). */
type Field = readonly [offset: number, bytes: 2 | 4];
/** The record layouts of APPNOTE 6.3 (4.3.16, 4.3.12, 4.3.7), the fields read here. */
const EOCD = {
  disk: [4, 2],
  cdDisk: [6, 2],
  onDisk: [8, 2],
  count: [10, 2],
  cdSize: [12, 4],
  cdOffset: [16, 4],
  commentLength: [20, 2],
} as const satisfies Record<string, Field>;
const CENTRAL = {
  madeBy: [4, 2],
  flags: [8, 2],
  method: [10, 2],
  crc: [16, 4],
  compressedSize: [20, 4],
  uncompressedSize: [24, 4],
  nameLength: [28, 2],
  extraLength: [30, 2],
  commentLength: [32, 2],
  attrs: [38, 4],
  localOffset: [42, 4],
} as const satisfies Record<string, Field>;
const LOCAL = {
  flags: [6, 2],
  method: [8, 2],
  crc: [14, 4],
  compressedSize: [18, 4],
  uncompressedSize: [22, 4],
  nameLength: [26, 2],
  extraLength: [28, 2],
} as const satisfies Record<string, Field>;

/** Every field of `layout` from the record that starts at `at` in `buf`. */
function readRecord<K extends string>(buf: Buffer, at: number, layout: Record<K, Field>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const [name, [offset, bytes]] of Object.entries(layout) as [K, Field][])
    out[name] = bytes === 2 ? buf.readUInt16LE(at + offset) : buf.readUInt32LE(at + offset);
  return out;
}

const fail = (file: string, why: string): never => {
  throw new UserError(`${file}: ${why}`);
};

/** Where the central directory is, from the archive's last bytes (`tail`), checked to lie inside the file. */
export function findCentralDirectory(
  file: string,
  tail: Buffer,
  fileSize: number,
  limits: UnzipLimits,
): { count: number; cdOffset: number; cdSize: number } {
  // The record is 22 bytes plus a comment whose length it states: the last signature that fits exactly wins.
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--)
    if (
      tail.readUInt32LE(i) === EOCD_SIG &&
      i + 22 + tail.readUInt16LE(i + EOCD.commentLength[0]) === tail.length
    ) {
      at = i;
      break;
    }
  if (at < 0) fail(file, 'not a readable bundle (not a zip file, or a truncated one)');
  const { disk, cdDisk, onDisk, count, cdSize, cdOffset } = readRecord(tail, at, EOCD);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
    fail(file, 'a Zip64 archive: bundles are plain zip files');
  if (disk !== 0 || cdDisk !== 0 || onDisk !== count) fail(file, 'a multi-part zip: not supported');
  if (count > limits.maxEntries) fail(file, `${count} entries, a bundle holds at most ${limits.maxEntries}`);
  const eocdOffset = fileSize - tail.length + at;
  if (cdOffset + cdSize !== eocdOffset)
    fail(
      file,
      'not a readable bundle (the central directory is not where the zip says: truncated or padded)',
    );
  // 46 fixed bytes plus a name, an extra field and a comment per entry: more is a forged directory.
  if (cdSize > count * (46 + 3 * 0xffff)) fail(file, 'the zip central directory is larger than its entries');
  return { count, cdOffset, cdSize };
}

/** A plain relative path: no absolute path, drive, traversal, backslash, control or unusual character. */
function checkName(file: string, name: string): void {
  const shown = JSON.stringify(name);
  if (name.length === 0 || name.length > 255)
    fail(file, `an entry name of ${name.length} characters: refused`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name))
    fail(file, `${shown}: an absolute path in the zip: refused`);
  const segments = name.replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '..' || s === '.'))
    fail(file, `${shown}: a path that climbs out of the bundle: refused`);
  if (segments.length > 8 || !segments.every((s) => NAME_SEGMENT.test(s)))
    fail(file, `${shown}: an entry name with unusual characters: refused`);
}

/** Every entry of the central directory `cd`, each checked on its own and against the others. */
export function parseCentralDirectory(
  file: string,
  cd: Buffer,
  count: number,
  limits: UnzipLimits,
): ZipEntry[] {
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cd.length || cd.readUInt32LE(at) !== CENTRAL_SIG)
      fail(file, 'not a readable bundle (a damaged zip central directory)');
    const r = readRecord(cd, at, CENTRAL);
    const { madeBy, flags, method, crc, compressedSize, uncompressedSize } = r;
    const { nameLength, extraLength, commentLength, attrs, localOffset } = r;
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > cd.length) fail(file, 'not a readable bundle (a damaged zip central directory)');
    const rawName = cd.toString('latin1', at + 46, at + 46 + nameLength);
    at = end;
    // Names are checked as text first: no byte of an odd name is echoed back beyond JSON escaping.
    checkName(file, rawName);
    const name = rawName;
    const key = name.toLowerCase();
    // Also case-blind: on macOS and Windows two such names are one file, and the last written would win.
    if (seen.has(key)) fail(file, `${name} appears twice in the zip: refused (which copy is the real one?)`);
    seen.add(key);
    const mode = madeBy >> 8 === HOST_UNIX ? attrs >>> 16 : 0;
    const kind = mode & S_IFMT;
    if (kind === S_IFLNK) fail(file, `${name} is a symbolic link: refused`);
    if (kind !== 0 && kind !== S_IFREG && kind !== S_IFDIR)
      fail(file, `${name} is not a regular file: refused`);
    const isDir = name.endsWith('/') || kind === S_IFDIR;
    if (flags & 1) fail(file, `${name} is encrypted: refused`);
    if (method !== 0 && method !== 8) fail(file, `${name} uses compression method ${method}: not supported`);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff)
      fail(file, `${name}: a Zip64 entry: bundles are plain zip files`);
    if (isDir && uncompressedSize !== 0) fail(file, `${name}: a folder entry with contents: refused`);
    if (method === 0 && compressedSize !== uncompressedSize)
      fail(file, `${name}: a stored entry whose sizes differ: not a well-formed zip`);
    if (uncompressedSize > limits.maxEntryBytes)
      fail(
        file,
        `${name} would inflate to ${uncompressedSize} bytes, at most ${limits.maxEntryBytes} per file`,
      );
    if (
      uncompressedSize > limits.ratioGraceBytes &&
      uncompressedSize > limits.maxRatio * Math.max(compressedSize, 1)
    )
      fail(
        file,
        `${name} would inflate ${Math.round(uncompressedSize / Math.max(compressedSize, 1))}-fold (a zip bomb shape): refused`,
      );
    total += uncompressedSize;
    if (total > limits.maxTotalBytes)
      fail(file, `the zip would inflate to more than ${limits.maxTotalBytes} bytes: refused`);
    entries.push({
      name,
      rawName,
      isDir,
      method: method as 0 | 8,
      crc32: crc,
      compressedSize,
      uncompressedSize,
      localOffset,
      dataOffset: -1,
    });
  }
  if (at !== cd.length) fail(file, 'not a readable bundle (a damaged zip central directory)');
  return entries;
}

/** Checks an entry's 30-byte local header against its central record; returns the lengths that follow it. */
export function readLocalHeader(
  file: string,
  entry: ZipEntry,
  header: Buffer,
): { nameLength: number; extraLength: number } {
  if (header.readUInt32LE(0) !== LOCAL_SIG) fail(file, `${entry.name}: no local header where the zip says`);
  const h = readRecord(header, 0, LOCAL);
  if (h.method !== entry.method || (h.flags & 1) !== 0)
    fail(file, `${entry.name}: its local header disagrees with the central directory: refused`);
  // Without a data descriptor (bit 3) the local header repeats the sizes and CRC: they must agree.
  if (
    (h.flags & 8) === 0 &&
    (h.crc !== entry.crc32 ||
      h.compressedSize !== entry.compressedSize ||
      h.uncompressedSize !== entry.uncompressedSize)
  )
    fail(file, `${entry.name}: its local header disagrees with the central directory: refused`);
  return { nameLength: h.nameLength, extraLength: h.extraLength };
}
