/**
 * Video clips for ST-Adapter: a clip is either an animated GIF (decoded with omggif) or a folder of frame images
 * (`frame-000.png`, `frame-001.png`, … in name order). An image dataset whose class folders hold clips instead of
 * still images is a video dataset: every example is a clip of T frames.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GifReader } from 'omggif';
import { readBytes } from './decode.ts';
import { DatasetError } from './errors.ts';
import { IMAGE_EXTENSIONS, decodeImageBytes, toNchwBatch, resizeBilinear } from './images.ts';
import type { DecodedImage } from './images.ts';

/** File extensions taken as a whole clip. */
export const CLIP_EXTENSIONS: readonly string[] = ['.gif'];

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The frame files of a clip folder, in name order. */
export function clipFrameFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .filter((n) => IMAGE_EXTENSIONS.includes(path.extname(n).toLowerCase()))
    .sort(byCode)
    .map((n) => path.join(dir, n));
}

/** Whether a dataset item is a clip (a GIF or a folder of frames) rather than one image. */
export function isClip(file: string): boolean {
  if (CLIP_EXTENSIONS.includes(path.extname(file).toLowerCase())) return true;
  return fs.statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** The clip's bytes as hashed: the GIF file, or the frame files one after another. */
export function readClipBytes(file: string): Buffer {
  if (!fs.statSync(file).isDirectory()) return readBytes(file);
  return Buffer.concat(clipFrameFiles(file).map((f) => readBytes(f)));
}

/**
 * Decodes an animated GIF's frames to RGBA at the GIF's size. Each frame is drawn over the previous picture (a
 * frame may update only part of it, as GIF encoders write); disposal 2 clears the frame's rectangle afterwards.
 */
export function decodeGif(file: string, bytes: Uint8Array): DecodedImage[] {
  let reader: GifReader;
  try {
    reader = new GifReader(bytes);
  } catch (err) {
    throw new DatasetError(
      file,
      `is not a readable GIF (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const { width, height } = reader;
  const canvas = new Uint8Array(width * height * 4);
  const frames: DecodedImage[] = [];
  for (let i = 0; i < reader.numFrames(); i++) {
    try {
      reader.decodeAndBlitFrameRGBA(i, canvas);
    } catch (err) {
      throw new DatasetError(
        file,
        `frame ${i} is corrupt (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    frames.push({ width, height, rgba: canvas.slice() });
    const info = reader.frameInfo(i);
    if (info.disposal === 2)
      for (let y = info.y; y < Math.min(height, info.y + info.height); y++)
        canvas.fill(0, (y * width + info.x) * 4, (y * width + Math.min(width, info.x + info.width)) * 4);
  }
  if (frames.length === 0) throw new DatasetError(file, 'has no frames');
  return frames;
}

/** Decodes every frame of a clip (GIF or frame folder). */
export function decodeClip(file: string): DecodedImage[] {
  if (!fs.statSync(file).isDirectory()) return decodeGif(file, readBytes(file));
  const files = clipFrameFiles(file);
  if (files.length === 0) throw new DatasetError(file, 'is a clip folder without .png or .jpg frames');
  return files.map((f) => decodeImageBytes(f, readBytes(f)));
}

/** `count` frames spread evenly over the clip (every frame when it has exactly that many). */
export function sampleFrames<T>(frames: readonly T[], count: number): T[] {
  if (count < 1 || count > frames.length)
    throw new RangeError(`cannot take ${count} frames from a clip of ${frames.length}`);
  return Array.from(
    { length: count },
    (_, i) => frames[Math.floor(((i + 0.5) * frames.length) / count)] as T,
  );
}

/** A clip's frames as normalised pixel values, frame after frame ([frames, 3, size, size] flattened). */
export function clipPixelValues(
  frames: readonly DecodedImage[],
  size: number,
  mean: readonly number[] = [0.5, 0.5, 0.5],
  std: readonly number[] = [0.5, 0.5, 0.5],
): Float32Array {
  return toNchwBatch(
    frames.map((f) => resizeBilinear(f, size, size)),
    { mean, std },
  ).data;
}
