/**
 * The concepts of the studio's generated image-caption data (shapes, colours, positions, counts, textures) and the
 * captions that describe a scene. The studio pretrains its small CLIP on these captions
 * (tools/default-clip/make_default_clip.py) and builds few-shot sets from them; some concepts are held out of
 * pretraining so that adapters have something to teach it.
 */
import { UserError } from '../../errors.ts';
import type { Rng } from '../rng.ts';

export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'ring', 'heart'] as const;
export const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white', 'pink'] as const;
export const POSITIONS = ['left', 'right', 'top', 'bottom', 'middle'] as const;
export const TEXTURES = ['solid', 'striped', 'checkered'] as const;
export const COUNTS = [1, 2, 3, 4] as const;

export type Shape = (typeof SHAPES)[number];
export type Colour = (typeof COLOURS)[number];
export type Position = (typeof POSITIONS)[number];
export type Texture = (typeof TEXTURES)[number];

/**
 * Never captioned in the pretraining data (the generator's default): the shipped CLIP has not seen a heart or the
 * colour pink, so a few-shot set of them measures what an adapter teaches rather than what CLIP already knew.
 */
export const DEFAULT_HOLDOUT: readonly string[] = ['heart', 'pink'];

/** The base RGB of each colour (each object jitters it a little). */
export const COLOUR_RGB: Record<Colour, readonly [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 180, 60],
  blue: [50, 90, 235],
  yellow: [235, 215, 40],
  purple: [150, 60, 205],
  orange: [245, 140, 30],
  white: [235, 235, 235],
  pink: [250, 130, 195],
};

const PLURAL: Record<Shape, string> = {
  circle: 'circles',
  square: 'squares',
  triangle: 'triangles',
  diamond: 'diamonds',
  cross: 'crosses',
  ring: 'rings',
  heart: 'hearts',
};
const COUNT_WORD = ['', 'one', 'two', 'three', 'four'];
const WHERE: Record<Position, string> = {
  left: 'on the left',
  right: 'on the right',
  top: 'at the top',
  bottom: 'at the bottom',
  middle: 'in the middle',
};
/** Most captions say what the picture is ("a photo of ..."): the zero-shot prompt template reads that way too. */
const PREFIXES = ['', 'a photo of ', 'a picture of ', 'an image of '];

/** One generated scene: `count` copies of a shape in one colour and texture. */
export interface Scene {
  shape: Shape;
  colour: Colour;
  texture: Texture;
  count: number;
  /** Where the single object is; 'any' for several objects, which are scattered. */
  position: Position | 'any';
}

/** Which concepts the generator may draw; every list must keep at least one value once the holdout is removed. */
export interface ConceptChoice {
  shapes?: readonly string[];
  colours?: readonly string[];
  textures?: readonly string[];
  counts?: readonly number[];
  /** Concept names (shapes or colours) that never appear unless their list above names them. */
  holdout?: readonly string[];
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.nextInt(xs.length)] as T;

/** The allowed values of one concept list: those asked for (all by default), less the held-out ones. */
function allowed<T extends string | number>(
  what: string,
  all: readonly T[],
  asked: readonly (string | number)[] | undefined,
  holdout: readonly string[],
): T[] {
  for (const a of asked ?? [])
    if (!all.includes(a as T)) throw new UserError(`unknown ${what} "${a}" (known: ${all.join(', ')})`);
  // Values named explicitly are drawn even when held out: that is how a few-shot set of held-out concepts is made.
  const out = all.filter((v) => (asked ? asked.includes(v) : !holdout.includes(String(v))));
  if (out.length === 0) throw new UserError(`no ${what} left to draw once the held-out concepts are removed`);
  return out;
}

/** A scene sampler over the chosen concepts. */
export function sceneSampler(choice: ConceptChoice = {}): (rng: Rng) => Scene {
  const holdout = choice.holdout ?? [];
  const shapes = allowed<Shape>('shape', SHAPES, choice.shapes, holdout);
  const colours = allowed<Colour>('colour', COLOURS, choice.colours, holdout);
  const textures = allowed<Texture>('texture', TEXTURES, choice.textures, holdout);
  const counts = allowed<number>('count', COUNTS, choice.counts, holdout);
  return (rng) => {
    // Single objects get double weight: only they have a position, which captions then mention.
    const weighted = counts.includes(1) ? [1, ...counts] : counts;
    const count = pick(rng, weighted);
    return {
      shape: pick(rng, shapes),
      colour: pick(rng, colours),
      texture: pick(rng, textures),
      count,
      position: count === 1 ? pick(rng, POSITIONS) : 'any',
    };
  };
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

/**
 * A caption that names the scene's shape (or, sometimes, only its colour) and, at random, some of its other concepts: pretraining on partial
 * captions is what lets a short prompt ("a photo of a circle") match every circle.
 */
export function caption(scene: Scene, rng: Rng): string {
  const words: string[] = [];
  // Solid is the unremarkable case, so captions say it less often than the patterns.
  const sayTexture = rng.next() < (scene.texture === 'solid' ? 0.2 : 0.5);
  const sayColour = rng.next() < 0.75;
  if (sayTexture) words.push(scene.texture);
  if (sayColour) words.push(scene.colour);
  // Now and then a coloured scene is just "a red shape": the words a colour prompt ("a photo of a {label} shape")
  // uses, so colours can be told zero-shot as well as shapes.
  const generic = sayColour && rng.next() < 0.12;
  let body: string;
  if (scene.count === 1) {
    words.push(generic ? 'shape' : scene.shape);
    const first = words[0] as string;
    body = `${rng.next() < 0.15 ? 'one' : article(first)} ${words.join(' ')}`;
    if (scene.position !== 'any' && rng.next() < 0.6) body += ` ${WHERE[scene.position]}`;
  } else {
    words.push(generic ? 'shapes' : PLURAL[scene.shape]);
    body = `${COUNT_WORD[scene.count]} ${words.join(' ')}`;
  }
  return pick(rng, PREFIXES) + body;
}
