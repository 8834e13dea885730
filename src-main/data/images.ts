/** Image folders (one sub-folder per class), decoded with pngjs / jpeg-js, resized and batched for the model. */
import fs from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { readBytes } from './decode.ts';
import { DatasetError } from './errors.ts';
import type { ImageItem } from './types.ts';

/** File extensions taken as images. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

/** Decoded pixels: `rgba` is width x height x 4 bytes, row-major. */
export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** RGB floats in [0, 1], height x width x 3 (HWC), row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** A batch in the layout the models take (`pixel_values`, NCHW). */
export interface NchwBatch {
  data: Float32Array;
  shape: [number, number, number, number];
}

/** Per-channel normalisation, `(x - mean) / std` on [0, 1] values. */
export interface Normalisation {
  mean: readonly [number, number, number] | readonly number[];
  std: readonly [number, number, number] | readonly number[];
}

const visible = (name: string) => !name.startsWith('.');

/**
 * Lists `<dir>/<class>/<image>` in sorted order (classes and files by code units). Files that are not images
 * are returned in `ignored` rather than failing, since folders often hold stray notes or thumbnails.
 */
export function listImageFolder(dir: string): {
  items: ImageItem[];
  labels: string[];
  ignored: string[];
  /** The items are clips (GIFs or frame folders), not still images. */
  video: boolean;
} {
  const clips = new Set<string>();
  const stills = new Set<string>();
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new DatasetError(dir, `cannot read the folder (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const labels = entries
    .filter((e) => e.isDirectory() && visible(e.name))
    .map((e) => e.name)
    .sort(byCode);
  if (labels.length < 2) {
    throw new DatasetError(
      dir,
      `an image dataset needs at least two class sub-folders (found ${labels.length})`,
    );
  }
  const items: ImageItem[] = [];
  const ignored: string[] = [];
  for (const label of labels) {
    const files = fs
      .readdirSync(path.join(dir, label), { withFileTypes: true })
      .filter((e) => visible(e.name))
      .map((e) => ({ name: e.name, file: e.isFile() }))
      .sort((a, b) => byCode(a.name, b.name));
    let n = 0;
    for (const f of files) {
      const ext = path.extname(f.name).toLowerCase();
      // A video dataset: a clip is a GIF or a sub-folder of frames (data/video.ts).
      const clip = f.file ? ext === '.gif' : true;
      if (clip || (f.file && IMAGE_EXTENSIONS.includes(ext))) {
        const file = path.join(dir, label, f.name);
        if (clips.size + stills.size > 0 && clips.size > 0 !== clip)
          throw new DatasetError(
            file,
            `mixes ${clip ? 'a clip with images' : 'an image with clips'}: a dataset is all images or all clips`,
          );
        (clip ? clips : stills).add(file);
        items.push({ file, label });
        n++;
      } else ignored.push(path.posix.join(label, f.name));
    }
    if (n === 0)
      throw new DatasetError(
        path.join(dir, label),
        'has no .png or .jpg images (or .gif / frame-folder clips)',
      );
  }
  return { items, labels, ignored, video: clips.size > 0 };
}

/**
 * Decodes a PNG or JPEG (recognised by its bytes, not its extension) to RGBA. Corrupt, truncated or
 * unreadable files are a DatasetError naming the file.
 */
export function decodeImage(file: string): DecodedImage {
  return decodeImageBytes(file, readBytes(file));
}

/** `decodeImage` for bytes already read (`file` only names it in errors). */
export function decodeImageBytes(file: string, bytes: Buffer): DecodedImage {
  const isPng = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg)
    throw new DatasetError(file, 'is not a PNG or JPEG image (corrupt or another format)');
  let img: DecodedImage;
  try {
    if (isPng) {
      const png = PNG.sync.read(bytes);
      img = { width: png.width, height: png.height, rgba: png.data };
    } else {
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
      img = { width: j.width, height: j.height, rgba: j.data };
    }
  } catch (err) {
    const raw = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    // pngjs reports a cut-off file as a stream problem; say what it means.
    const why = /finished stream|unexpected end/i.test(raw) ? 'the file is truncated' : raw;
    throw new DatasetError(file, `is a corrupt ${isPng ? 'PNG' : 'JPEG'} image (${why})`);
  }
  if (img.width < 1 || img.height < 1 || img.rgba.length < img.width * img.height * 4) {
    throw new DatasetError(file, `is a corrupt ${isPng ? 'PNG' : 'JPEG'} image (no pixels)`);
  }
  return img;
}

/**
 * Bilinear resize to `width` x `height` with half-pixel centres (transformers' / PIL's convention, edges
 * clamped), dropping alpha. Returns RGB floats in [0, 1], HWC.
 */
export function resizeBilinear(img: DecodedImage, width: number, height = width): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  const out = new Float32Array(width * height * 3);
  const src = img.rgba;
  const at = (yy: number, xx: number, c: number) => (src[(yy * img.width + xx) * 4 + c] as number) / 255;
  for (let y = 0; y < height; y++) {
    const sy = Math.min(img.height - 1, Math.max(0, ((y + 0.5) * img.height) / height - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(img.height - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(img.width - 1, Math.max(0, ((x + 0.5) * img.width) / width - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(img.width - 1, x0 + 1);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        out[(y * width + x) * 3 + c] =
          (1 - fy) * ((1 - fx) * at(y0, x0, c) + fx * at(y0, x1, c)) +
          fy * ((1 - fx) * at(y1, x0, c) + fx * at(y1, x1, c));
      }
    }
  }
  return { width, height, data: out };
}

/** Decodes and resizes one image file to `size` x `size` RGB floats in [0, 1]. */
export function loadImage(file: string, size: number): RgbImage {
  return resizeBilinear(decodeImage(file), size, size);
}

const DEFAULT_NORM: Normalisation = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

function checkNorm(n: Normalisation): void {
  if (
    n.mean.length !== 3 ||
    n.std.length !== 3 ||
    n.std.some((s) => !(s > 0)) ||
    n.mean.some((m) => !Number.isFinite(m))
  ) {
    throw new RangeError('normalisation needs 3 finite means and 3 positive standard deviations');
  }
}

/**
 * Stacks same-sized images into one NCHW float batch, normalised per channel. The default mean/std (0.5) is
 * ViT's; pass the model's preprocessor values (ImageNet's are mean [0.485, 0.456, 0.406], std [0.229, 0.224,
 * 0.225]).
 */
export function toNchwBatch(images: readonly RgbImage[], norm: Normalisation = DEFAULT_NORM): NchwBatch {
  checkNorm(norm);
  const first = images[0];
  if (!first) throw new RangeError('toNchwBatch needs at least one image');
  const { width: w, height: h } = first;
  const plane = w * h;
  const data = new Float32Array(images.length * 3 * plane);
  images.forEach((img, n) => {
    if (img.width !== w || img.height !== h) {
      throw new RangeError(`image ${n} is ${img.width}x${img.height}, the batch is ${w}x${h}`);
    }
    for (let c = 0; c < 3; c++) {
      const mean = norm.mean[c] as number;
      const std = norm.std[c] as number;
      const base = (n * 3 + c) * plane;
      for (let p = 0; p < plane; p++) data[base + p] = ((img.data[p * 3 + c] as number) - mean) / std;
    }
  });
  return { data, shape: [images.length, 3, h, w] };
}

/** One image as normalised CHW floats (a batch of one, flattened), as the training session stores examples. */
export function toPixelValues(
  img: DecodedImage,
  size: number,
  mean: readonly number[] = [0.5, 0.5, 0.5],
  std: readonly number[] = [0.5, 0.5, 0.5],
): Float32Array {
  return toNchwBatch([resizeBilinear(img, size, size)], { mean, std }).data;
}
