/**
 * The generated video sample: a square of one of eight colours slides across a grey background, left to right or right to left. A
 * right-to-left clip is a left-to-right trajectory played backwards, so both classes show the same kinds of
 * frames and only their order tells them apart: no single frame (and no average of frame features) can.
 */
import { GifWriter } from 'omggif';
import { Rng } from './rng.ts';

export const MOVING_SHAPES_LABELS = ['left-to-right', 'right-to-left'] as const;

export interface ShapeClip {
  label: (typeof MOVING_SHAPES_LABELS)[number];
  /** Palette indices, `frames` x size x size. */
  frames: Uint8Array[];
}

/** Four grey background levels, then the square's colours. */
const PALETTE = [
  0x101010, 0x202020, 0x303030, 0x404040, 0xff4040, 0x40ff40, 0x4080ff, 0xffff40, 0xff40ff, 0x40ffff,
  0xffffff, 0xff8000, 0x000000, 0x000000, 0x000000, 0x000000,
];
const BACKGROUNDS = 4;
const COLOURS = 8;

/** `count` clips, half of each class (alternating), `frames` frames of `size` x `size` pixels. */
export function movingShapeClips(count: number, seed: number, size = 32, frames = 8): ShapeClip[] {
  const rng = new Rng(seed);
  const int = (n: number) => Math.floor(rng.next() * n);
  const clips: ShapeClip[] = [];
  for (let c = 0; c < count; c++) {
    const side = Math.round(size / 4);
    const colour = BACKGROUNDS + int(COLOURS);
    const speed = Math.max(1, Math.round(size / 16)) + int(2);
    const travel = speed * (frames - 1);
    const x0 = int(Math.max(1, size - side - travel + 1));
    const y = int(size - side + 1);
    const background = int(BACKGROUNDS);
    const drawn = Array.from({ length: frames }, (_, t) => {
      const img = new Uint8Array(size * size).fill(background);
      const x = x0 + t * speed;
      for (let dy = 0; dy < side; dy++)
        for (let dx = 0; dx < side; dx++) if (x + dx < size) img[(y + dy) * size + x + dx] = colour;
      return img;
    });
    const label = MOVING_SHAPES_LABELS[c % 2] as ShapeClip['label'];
    clips.push({ label, frames: label === 'left-to-right' ? drawn : drawn.reverse() });
  }
  return clips;
}

/** One clip as an animated GIF (global palette, 0.1 s a frame, looping). */
export function encodeGif(frames: readonly Uint8Array[], size: number): Buffer {
  const buf = Buffer.alloc(1024 + frames.length * (size * size * 2 + 64));
  const gif = new GifWriter(buf, size, size, { palette: PALETTE, loop: 0 });
  for (const f of frames) gif.addFrame(0, 0, size, size, Array.from(f), { delay: 10 });
  return buf.subarray(0, gif.end());
}
