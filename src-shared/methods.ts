/**
 * The method registry, pure TypeScript: each adapter method declares itself once, in its own folder
 * (src-main/adapters/<method>/schema.ts, which imports only zod and this file), and everything else is derived
 * from it: the train-config union, `methods:list` (with each method's JSON Schema, which draws the New-run
 * form), the export capability checks and the model card. docs/ADDING-A-METHOD.md has the steps.
 *
 * src-shared may not import src-main, so the list is filled at run time (a method's schema.ts calls
 * defineMethod when src-main/adapters/schemas.ts discovers its folder) and typed at compile time by
 * declaration merging: each schema.ts adds its schema to MethodSchemas.
 */
import { z } from 'zod';

/** Method name -> its zod schema type. Empty here; every method's schema.ts adds its entry. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface MethodSchemas {}

export type MethodType = Extract<keyof MethodSchemas, string>;

type SchemaOf<K extends MethodType> = MethodSchemas[K] extends z.ZodType ? MethodSchemas[K] : never;
/** One method's parsed options (its `method` block, `type` included). */
export type MethodConfigOf<K extends MethodType> = z.output<SchemaOf<K>>;
/** Any method's parsed `method` block. */
export type MethodConfig = { [K in MethodType]: z.output<SchemaOf<K>> }[MethodType];
/** Any method's `method` block as written (defaults may be left out). */
export type MethodConfigInput = { [K in MethodType]: z.input<SchemaOf<K>> }[MethodType];

/** What a method can be turned into; export and the descriptions read this one place. */
export interface MethodCapabilities {
  /** Folds into the base weights (zero added latency; `merge`, the merged export). */
  merges: boolean;
  /**
   * PEFT's `peft_type` the method saves as, or why PEFT cannot carry it; `refusedFor`: why not on a base of this
   * model_type (the method trains there, PEFT has no equivalent).
   */
  peft: { type: string; refusedFor?: Readonly<Record<string, string>> } | { unavailable: string };
  /** Exports as an AdapterHub folder (bottleneck adapters). */
  adapterhub: boolean;
  /** Architecture kinds it applies to. */
  appliesTo: 'all' | 'transformers' | 'cnn' | 'clip' | 'vision-transformers';
}

/** How the New-run form and the docs present a method. */
export interface MethodInfo {
  label: string;
  /** What the method trains, in one line. */
  trains: string;
  /** Typical share of the base model's parameters it trains. */
  typicalPercent: string;
  inferenceCost: string;
  /** Position in method lists (the form's select, `methods:list`). */
  order: number;
  /**
   * Made from library adapters rather than trained from scratch: `compose` (never trained) and `fuse` (trained
   * over chosen adapters, offered on New run as its own choice). The plain method list leaves them out.
   */
  composition?: boolean;
}

export interface MethodDefinition<K extends MethodType = MethodType> {
  type: K;
  /** A strict zod object with `type: z.literal(K)` and a `.describe()` per field (the form's help text). */
  schema: SchemaOf<K>;
  info: MethodInfo;
  capabilities: MethodCapabilities;
}

/** One method as `methods:list` returns it. */
export interface MethodDescription extends MethodInfo, MethodCapabilities {
  type: MethodType;
  /** Kept for the renderer's one-line help: the same value as capabilities' `merges`. */
  merges: boolean;
  /** The `method` block's JSON Schema (zod's toJSONSchema, input side: fields with defaults are optional). */
  jsonSchema: Record<string, unknown>;
}

const definitions = new Map<string, MethodDefinition>();

/** Called once by each method folder's schema.ts. */
export function defineMethod<K extends MethodType>(def: MethodDefinition<K>): MethodDefinition<K> {
  definitions.set(def.type, def as unknown as MethodDefinition);
  return def;
}

/** Every defined method, in display order. */
export function methodDefinitions(): MethodDefinition[] {
  if (definitions.size === 0)
    throw new Error('no adapter methods are defined: import src-main/adapters/schemas.ts first');
  return [...definitions.values()].sort((a, b) => a.info.order - b.info.order);
}

export const methodTypes = (): MethodType[] => methodDefinitions().map((d) => d.type);

export function methodDefinition(type: string): MethodDefinition | undefined {
  return definitions.get(type);
}

export function describeMethod(def: MethodDefinition): MethodDescription {
  return {
    type: def.type,
    ...def.info,
    ...def.capabilities,
    jsonSchema: z.toJSONSchema(def.schema, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >,
  };
}

/** `methods:list`: every method with its description, capabilities and JSON Schema. */
export const describeMethods = (): MethodDescription[] => methodDefinitions().map(describeMethod);

let union: { size: number; schema: z.ZodType } | undefined;
/** The `method` block of a train config: the union of every defined method's schema, built on first use. */
export const methodSchema = z.lazy(() => {
  if (union?.size !== definitions.size) {
    const schemas = methodDefinitions().map((d) => d.schema);
    union = {
      size: definitions.size,
      schema: z.discriminatedUnion('type', schemas as unknown as [z.ZodObject, ...z.ZodObject[]]),
    };
  }
  return union.schema;
}) as unknown as z.ZodType<MethodConfig, MethodConfigInput>;
