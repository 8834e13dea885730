/**
 * A zip reader for untrusted archives (team bundles): nothing is inflated before the whole central directory has
 * been checked (entry count, names, kinds, sizes, ratios, overlaps), and every entry is then inflated as a stream
 * whose output is counted and CRC-checked as it arrives, so a lying header cannot make it produce more than the
 * caps allow. Memory stays at a few zlib buffers whatever the archive holds.
 */
import fs from 'node:fs';
import { crc32 } from 'node:zlib';
import { Inflate } from 'fflate';
import { UserError } from '../errors.ts';
import { findCentralDirectory, parseCentralDirectory, readLocalHeader } from './zip-format.ts';
import type { ZipEntry } from './zip-format.ts';

export type { ZipEntry };

/** Caps on what an archive may hold; every one is checked before inflating, the sizes again while inflating. */
export interface UnzipLimits {
  /** Size of the .zip file itself. */
  maxArchiveBytes: number;
  maxEntries: number;
  /** Uncompressed size of one entry. */
  maxEntryBytes: number;
  /** Uncompressed size of all entries together. */
  maxTotalBytes: number;
  /** Uncompressed / compressed size of one entry, checked only above `ratioGraceBytes`. */
  maxRatio: number;
  /** Entries up to this size may compress as well as they like (a small all-zeros tensor is no bomb). */
  ratioGraceBytes: number;
}

const MiB = 1024 * 1024;
/** Compressed bytes read at a time: at most about 1,000 times this comes out of one push (deflate's limit). */
const CHUNK = 16 * 1024;

/**
 * A bundle holds a manifest, a model card and at most four adapter files; the sizes leave room for a full
 * fine-tuning run of a model of a few hundred million parameters, and stay under zip's 4 GiB (no Zip64).
 */
export const BUNDLE_LIMITS: UnzipLimits = {
  maxArchiveBytes: 2048 * MiB,
  maxEntries: 64,
  maxEntryBytes: 2048 * MiB,
  maxTotalBytes: 2048 * MiB,
  maxRatio: 100,
  ratioGraceBytes: 8 * MiB,
};

/** An open archive whose central directory passed every check. Close it when done. */
export interface ZipArchive {
  file: string;
  entries: ZipEntry[];
  /** Inflates one entry, handing over its bytes chunk by chunk; refuses it past its declared size or CRC. */
  read(entry: ZipEntry, onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<void>;
  /** The whole entry in memory, for small ones (the manifest); refused above `maxBytes`. */
  readAll(entry: ZipEntry, maxBytes: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

const fail = (file: string, why: string): never => {
  throw new UserError(`${file}: ${why}`);
};

/**
 * Opens `file` without following it into a device or a FIFO (opened non-blocking, then checked to be a regular
 * file of at most `maxArchiveBytes`), and checks its central directory against `limits`.
 */
export async function openZip(file: string, limits: UnzipLimits = BUNDLE_LIMITS): Promise<ZipArchive> {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const fh = await fs.promises
    .open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)
    .catch((err: NodeJS.ErrnoException) =>
      fail(file, err.code === 'ENOENT' ? 'no such file' : `cannot be opened (${err.code ?? err.message})`),
    );
  try {
    const stat = await fh.stat();
    if (!stat.isFile())
      fail(
        file,
        `not a regular file (${stat.isDirectory() ? 'a folder' : 'a device, FIFO or socket'}): not a bundle`,
      );
    if (stat.size > limits.maxArchiveBytes)
      fail(file, `${stat.size} bytes is larger than a bundle may be (${limits.maxArchiveBytes} bytes)`);
    const readAt = async (position: number, length: number): Promise<Buffer> => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, position);
      if (bytesRead !== length) fail(file, 'not a readable bundle (truncated zip)');
      return buf;
    };
    const tailLength = Math.min(stat.size, 22 + 0xffff);
    const tail = await readAt(stat.size - tailLength, tailLength);
    const { count, cdOffset, cdSize } = findCentralDirectory(file, tail, stat.size, limits);
    const entries = parseCentralDirectory(file, await readAt(cdOffset, cdSize), count, limits);
    for (const e of entries) {
      if (e.localOffset + 30 > cdOffset) fail(file, `${e.name}: no local header where the zip says`);
      const { nameLength, extraLength } = readLocalHeader(file, e, await readAt(e.localOffset, 30));
      const name = await readAt(e.localOffset + 30, nameLength);
      if (name.toString('latin1') !== e.rawName)
        fail(file, `${e.name}: its local header names another file: refused`);
      e.dataOffset = e.localOffset + 30 + nameLength + extraLength;
    }
    checkLayout(file, entries, cdOffset);
    return archive(file, fh, entries);
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Each entry's bytes must lie before the central directory and apart from every other entry's. */
function checkLayout(file: string, entries: ZipEntry[], cdOffset: number): void {
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 0; i < byOffset.length; i++) {
    const e = byOffset[i] as ZipEntry;
    const end = e.dataOffset + e.compressedSize;
    const next = byOffset[i + 1];
    if (end > cdOffset)
      fail(file, `${e.name}: its data runs into the central directory: not a well-formed zip`);
    if (next && end > next.localOffset)
      fail(file, `${e.name} and ${next.name} overlap in the archive (a zip bomb shape): refused`);
  }
}

function archive(file: string, fh: fs.promises.FileHandle, entries: ZipEntry[]): ZipArchive {
  const read = async (entry: ZipEntry, onChunk: (chunk: Uint8Array) => void | Promise<void>) => {
    let produced = 0;
    let crc = 0;
    let pending: Uint8Array[] = [];
    // Counted as the inflater hands each piece over: a lying header stops it within one input chunk.
    const take = (chunk: Uint8Array) => {
      produced += chunk.length;
      if (produced > entry.uncompressedSize)
        fail(
          file,
          `${entry.name} inflates past its declared ${entry.uncompressedSize} bytes (a zip bomb shape): refused`,
        );
      crc = crc32(chunk, crc);
      pending.push(chunk);
    };
    const inflater = entry.method === 8 ? new Inflate((chunk) => take(chunk)) : undefined;
    const buf = Buffer.alloc(CHUNK);
    for (let done = 0; done < entry.compressedSize || (done === 0 && inflater); ) {
      const length = Math.min(CHUNK, entry.compressedSize - done);
      const { bytesRead } = await fh.read(buf, 0, length, entry.dataOffset + done);
      if (bytesRead !== length) fail(file, 'not a readable bundle (truncated zip)');
      done += length;
      const input = buf.subarray(0, length);
      try {
        if (inflater) inflater.push(input, done === entry.compressedSize);
        else take(Uint8Array.from(input));
      } catch (err) {
        if (err instanceof UserError) throw err;
        fail(file, `${entry.name}: not a readable bundle (corrupt data: ${(err as Error).message})`);
      }
      for (const chunk of pending) await onChunk(chunk);
      pending = [];
      if (length === 0) break;
    }
    if (produced !== entry.uncompressedSize)
      fail(
        file,
        `${entry.name} holds ${produced} bytes, its zip header says ${entry.uncompressedSize} (truncated?)`,
      );
    if (crc >>> 0 !== entry.crc32) fail(file, `${entry.name}: CRC-32 does not match (a damaged zip)`);
  };
  return {
    file,
    entries,
    read,
    readAll: async (entry, maxBytes) => {
      if (entry.uncompressedSize > maxBytes)
        fail(file, `${entry.name} is ${entry.uncompressedSize} bytes, at most ${maxBytes} are allowed`);
      const out = new Uint8Array(entry.uncompressedSize);
      let at = 0;
      await read(entry, (chunk) => {
        out.set(chunk, at);
        at += chunk.length;
      });
      return out;
    },
    close: () => fh.close(),
  };
}
