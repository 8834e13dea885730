/**
 * Sharing GPU buffers between a captured step's temporaries whose lifetimes do not overlap. A recording keeps every
 * buffer its step used (step-recording.ts), and tf.js's pool hands a freed buffer only to a request of exactly its
 * size, so a step of many tensor shapes leaves many buffers each used for a short stretch: a GPT-2 medium LoRA
 * step's capture held about twice the activations PyTorch keeps (test/bench/RESULTS.md). Here each temporary's
 * first and last command in the replay are known, so temporaries used one after another can live in one buffer,
 * as a compiler assigns registers. Within a compute pass WebGPU orders dispatches that touch the same buffer, so
 * a later kernel overwriting a dead temporary is safe.
 *
 * Only a temporary whose first use writes it (a kernel's output, a copy's destination) is shared: one read first
 * would see another temporary's data. The planning is pure arithmetic on ids, so it is tested without a GPU. Also
 * here: the state copies a replay starts with.
 */
import { Usage } from './backend-internals.ts';
import type { GpuBuffer, WebGpuBackendInternals } from './backend-internals.ts';
import type { Recording } from './step-recording.ts';

/** What one replayed command reads and writes, as buffer ids. */
export interface CommandUse {
  reads: readonly number[];
  writes: readonly number[];
}

export interface AliasPlan {
  /** Buffers to make: one per group, as large as its largest member, with its members' usage. */
  groups: { size: number; usage: number }[];
  /** Temporary id -> its group. Temporaries not in it keep their own buffer. */
  groupOf: Map<number, number>;
}

/**
 * Groups `temporaries` (id -> size and usage) so that members of a group are never in use at once. Greedy by first
 * use: a temporary joins a free group of its usage, the smallest that holds it, else the largest (which grows).
 */
export function planAliases(
  commands: readonly CommandUse[],
  temporaries: ReadonlyMap<number, { size: number; usage: number }>,
): AliasPlan {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const readFirst = new Set<number>();
  commands.forEach((c, i) => {
    for (const id of [...c.writes, ...c.reads]) {
      if (!temporaries.has(id)) continue;
      if (!first.has(id)) {
        first.set(id, i);
        if (c.reads.includes(id)) readFirst.add(id);
      }
      last.set(id, i);
    }
  });
  const at = (m: Map<number, number>, id: number): number => m.get(id) as number;
  const order = [...first.keys()]
    .filter((id) => !readFirst.has(id))
    .sort((a, b) => at(first, a) - at(first, b));
  const groups: { size: number; usage: number; freeAfter: number }[] = [];
  const groupOf = new Map<number, number>();
  for (const id of order) {
    const { size, usage } = temporaries.get(id) as { size: number; usage: number };
    const start = at(first, id);
    let best = -1;
    groups.forEach((g, gi) => {
      if (g.usage !== usage || g.freeAfter >= start) return;
      const b = groups[best];
      const fits = g.size >= size;
      if (!b) best = gi;
      else if (fits && (b.size < size || g.size < b.size)) best = gi;
      else if (!fits && b.size < size && g.size > b.size) best = gi;
    });
    if (best < 0) {
      best = groups.length;
      groups.push({ size, usage, freeAfter: -1 });
    }
    const g = groups[best] as { size: number; usage: number; freeAfter: number };
    g.size = Math.max(g.size, size);
    g.freeAfter = at(last, id);
    groupOf.set(id, best);
  }
  return { groups: groups.map(({ size, usage }) => ({ size, usage })), groupOf };
}

interface Sized {
  size: number;
  usage: number;
}

/** How many of the sorted `starts` are at or before `i`. */
function segmentAt(starts: readonly number[], i: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((starts[mid] as number) <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Applies planAliases to a capture's commands (`uses`: the buffers each reads and writes, in replay order) and its
 * temporaries: makes a buffer per group of two or more, and returns where each command finds each buffer now
 * (`bufferAt`) and the temporaries no longer used (for the caller to destroy). Groups of one keep their buffer.
 *
 * tf.js reuses a freed buffer for a later tensor of the same size within the step (once the backward pass frees
 * as it goes, often: engine/lean-gradients.ts). Such a buffer holds several temporaries one after another; taken
 * whole, its lifetime would span them all and block sharing. `starts` gives, per temporary, the commands at which
 * tf.js handed it out afresh: each stretch between two starts is planned as a temporary of its own. A buffer used
 * before its first start (its contents come from before the step) is planned whole.
 */
export function shareTemporaries<B extends Sized>(
  make: (size: number, usage: number) => B,
  uses: readonly { reads: readonly B[]; writes: readonly B[] }[],
  temporaries: readonly B[],
  starts: ReadonlyMap<B, readonly number[]> = new Map(),
): { bufferAt: (command: number, buf: B) => B; made: B[]; freed: B[] } {
  const isTemporary = new Set(temporaries);
  const firstUse = new Map<B, number>();
  uses.forEach((c, i) => {
    for (const buf of [...c.writes, ...c.reads]) if (!firstUse.has(buf)) firstUse.set(buf, i);
  });
  const split = new Map<B, readonly number[]>();
  for (const [buf, list] of starts) {
    const sorted = [...list].sort((a, b) => a - b);
    const used = firstUse.get(buf);
    if (isTemporary.has(buf) && sorted.length > 0 && used !== undefined && used >= (sorted[0] as number))
      split.set(buf, sorted);
  }
  // One id per (buffer, stretch); a buffer not split is one stretch.
  const bufferIds = new Map<B, number>();
  const ids = new Map<string, number>();
  const owner: B[] = [];
  const idAt = (buf: B, i: number): number => {
    let n = bufferIds.get(buf);
    if (n === undefined) bufferIds.set(buf, (n = bufferIds.size));
    const stretches = split.get(buf);
    const key = `${n}/${stretches ? segmentAt(stretches, i) : 0}`;
    let id = ids.get(key);
    if (id === undefined) {
      ids.set(key, (id = owner.length));
      owner.push(buf);
    }
    return id;
  };
  const commands = uses.map((c, i) => ({
    reads: c.reads.map((b) => idAt(b, i)),
    writes: c.writes.map((b) => idAt(b, i)),
  }));
  const temps = new Map<number, Sized>();
  owner.forEach((buf, id) => {
    if (isTemporary.has(buf)) temps.set(id, { size: buf.size, usage: buf.usage });
  });
  const plan = planAliases(commands, temps);
  const members = plan.groups.map(() => [] as number[]);
  for (const [id, g] of plan.groupOf) members[g]?.push(id);
  const movedTo = new Map<number, B>();
  const made: B[] = [];
  plan.groups.forEach((g, gi) => {
    const group = members[gi] ?? [];
    if (group.length < 2) return;
    const shared = make(g.size, g.usage);
    made.push(shared);
    for (const id of group) movedTo.set(id, shared);
  });
  const kept = new Set<B>();
  owner.forEach((buf, id) => {
    if (!movedTo.has(id)) kept.add(buf);
  });
  const freed = temporaries.filter((t) => bufferIds.has(t) && !kept.has(t));
  const bufferAt = (i: number, buf: B): B => movedTo.get(idAt(buf, i)) ?? buf;
  return { bufferAt, made, freed };
}

export type Copy = { src: GpuBuffer; dst: GpuBuffer; size: number };

/**
 * `copies` (distinct destinations, distinct sources) in an order where none overwrites a buffer a later one still
 * reads: a copy goes once no copy left reads its destination. The copies then form chains and cycles; a cycle's
 * first copy reads from a scratch buffer (from `scratch`) filled before the cycle starts. Replays ran every copy
 * through scratch once any conflicted: twice the copies, each a few µs of host time and the bytes copied twice
 * (all the weights and moments of a full fine-tuning step).
 */
export function orderCopies(copies: readonly Copy[], scratch: (size: number) => GpuBuffer): Copy[] {
  const pending = new Map<GpuBuffer, Copy>(copies.map((c) => [c.dst, { ...c }]));
  const readerOf = new Map<GpuBuffer, Copy>(copies.map((c) => [c.src, pending.get(c.dst) as Copy]));
  const out: Copy[] = [];
  const emit = (c: Copy) => {
    out.push(c);
    pending.delete(c.dst);
    readerOf.delete(c.src);
  };
  while (pending.size > 0) {
    const ready = [...pending.values()].filter((c) => !readerOf.has(c.dst));
    if (ready.length > 0) {
      for (const c of ready) {
        // Emitting one copy can make the copy that wrote over its source ready: follow the chain back.
        let next: Copy | undefined = c;
        while (next && !readerOf.has(next.dst)) {
          emit(next);
          next = pending.get(next.src);
        }
      }
      continue;
    }
    // Only cycles are left: save one copy's source, so the copy overwriting it can go.
    const c = pending.values().next().value as Copy;
    const saved = scratch(c.size);
    out.push({ src: c.src, dst: saved, size: c.size });
    readerOf.delete(c.src);
    c.src = saved;
  }
  return out;
}

/**
 * The copies a replay starts with: the state's latest values (where the previous step left them) to where the
 * recorded step reads them, ordered by orderCopies (scratch buffers pushed to `owned`, for the capture to free).
 */
export function planStateCopies(b: WebGpuBackendInternals, rec: Recording, owned: GpuBuffer[]): Copy[] {
  const { stateStart, stateEnd } = rec;
  const copies: Copy[] = [];
  stateStart.forEach((start, i) => {
    const end = stateEnd[i];
    if (start !== end) copies.push({ src: end, dst: start, size: (start as { size: number }).size });
  });
  return orderCopies(copies, (size) => {
    const buf = b.device.createBuffer({ size, usage: Usage.COPY_SRC | Usage.COPY_DST });
    owned.push(buf);
    return buf;
  });
}
