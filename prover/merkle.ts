/**
 * Merkle commitment to the rows of one or more row-major matrices, with batched openings.
 *
 * Matrices may have different heights (powers of two), as the STARK commits tables of different
 * sizes under one root. The construction is the one of Plonky3's MMCS (`merkle-tree/src/mmcs.rs`):
 * - the leaves are the rows of the tallest matrices: leaf i hashes the concatenation of row i of
 *   every matrix of the maximal height (in commit order);
 * - going up, a level with h nodes first compresses pairs of children; if some matrices have height
 *   h, their rows are hashed the same way (row j of each, concatenated) and injected:
 *   node_j = compress(compress(left, right), hashRow(rows j)).
 * A row r of a matrix of height h is therefore opened by any leaf index i with i >> log2(H/h) = r.
 *
 * Openings of many indices at once share their paths: the siblings are listed level by level from
 * the leaves, positions ascending within a level, and a sibling that is itself on an opened path
 * (so computable by the verifier) is left out.
 *
 * The verifier (`verifyOpening`) only uses the hasher's synchronous methods and throws a
 * `MerkleError` naming what failed; the STARK verifier maps it to its `check: 'merkle'`.
 * @module
 */
import { P } from './field/babybear.ts';
import { compressInto, compressPairsSync, hashRowsInto, hashRowsSync } from './hash/_batch.ts';
import { type KernelCall, type KernelHashOps, hashKernels } from './hash/_wasm.ts';
import { type HashExecutor, localExecutor, poolExecutor } from './hash/_workers.ts';
import type { WorkerPool } from './_pool.ts';
import { DIGEST_BYTES, type Hasher, gatherRows, totalWidth } from './hash/hasher.ts';
import type { Matrix } from './matrix.ts';

export interface MatrixDims {
  readonly width: number;
  readonly height: number;
}

export interface MerkleTree {
  /** The commitment: 32 bytes. */
  readonly root: Uint8Array;
  /** The hasher that built the tree (openings recompute the levels that are not kept). */
  readonly hasher: Hasher;
  /** The committed matrices, in commit order (kept to answer openings; never modified). */
  readonly matrices: readonly Matrix[];
  /** log2 of the tallest height: the number of levels above the leaves. */
  readonly logMaxHeight: number;
  /**
   * layers[k] holds the 2^(logMaxHeight - k) node digests of level k (0 = leaves) for the kept
   * levels: even k >= 4 and the root level. The others are recomputed when opening (below level 4
   * the 16-leaf subtree around a query, in a few batched calls; above, from two kept digests),
   * which keeps a twelfth of the leaf digests instead of all of them. Fresh memory costs about
   * 3 ms per MB on this machine, and the leaf digests alone are as large as the field data for
   * 16-element rows.
   */
  readonly layers: readonly (Uint8Array | undefined)[];
}

/** The lowest kept level (below it, openings recompute small subtrees). */
const FIRST_KEPT_LEVEL = 4;

/** Whether level k of a tree with `logMax` levels above the leaves is stored. */
export function isKeptLevel(k: number, logMax: number): boolean {
  return k === logMax || (k >= FIRST_KEPT_LEVEL && k % 2 === 0);
}

export interface MerkleOpening {
  /**
   * rows[q][m]: the row of matrix m (commit order) opened by the q-th queried index, i.e. row
   * index >> (logMaxHeight - log2(height of m)).
   */
  readonly rows: readonly (readonly Uint32Array[])[];
  /** Sibling digests (32 bytes each): by level from the leaves, by position within a level. */
  readonly siblings: readonly Uint8Array[];
}

/**
 * What a failed opening check found:
 * - 'shape': the dimensions, or the opening's rows, do not have the expected counts and widths
 * - 'index': a queried index is not an integer in [0, tallest height)
 * - 'malformed': a row value is not a canonical field element, or a sibling is not a valid digest
 * - 'sibling-count': the opening has fewer or more siblings than the queried paths need
 * - 'inconsistent': two queries that open the same row (or leaf) disagree on its values
 * - 'root-mismatch': the recomputed root differs from the commitment
 */
export type MerkleFailure = 'shape' | 'index' | 'malformed' | 'sibling-count' | 'inconsistent' | 'root-mismatch';

export class MerkleError extends Error {
  override readonly name = 'MerkleError';
  constructor(
    readonly reason: MerkleFailure,
    message: string,
    /** Where: query number, matrix number, level, position. */
    readonly detail: Readonly<Record<string, number>> = {},
  ) {
    super(`merkle opening rejected (${reason}): ${message}`);
  }
}

function log2Exact(h: number): number {
  const l = Math.log2(h);
  return Number.isInteger(l) ? l : -1;
}

function checkDims(dims: readonly MatrixDims[], errorKind: 'range' | 'merkle'): number {
  const fail = (msg: string, detail: Record<string, number>) => {
    throw errorKind === 'range' ? new RangeError(`merkle: ${msg}`) : new MerkleError('shape', msg, detail);
  };
  if (dims.length === 0) fail('no matrices', {});
  let logMax = 0;
  dims.forEach((d, m) => {
    if (!Number.isInteger(d.width) || d.width < 0) fail(`matrix ${m} has width ${d.width}`, { matrix: m });
    if (!Number.isInteger(d.height) || d.height < 1 || log2Exact(d.height) < 0 || d.height > 2 ** 30) {
      fail(`matrix ${m} has height ${d.height}, not a power of two`, { matrix: m });
    }
    logMax = Math.max(logMax, log2Exact(d.height));
  });
  return logMax;
}

/** Matrix numbers grouped by log2(height): groups[l] lists, in commit order, those of height 2^l. */
function groupByHeight(dims: readonly MatrixDims[], logMax: number): number[][] {
  const groups: number[][] = Array.from({ length: logMax + 1 }, () => []);
  dims.forEach((d, m) => groups[log2Exact(d.height)]!.push(m));
  return groups;
}

function interleave(a: Uint8Array, b: Uint8Array): Uint8Array {
  const n = a.length / DIGEST_BYTES;
  const out = new Uint8Array(2 * a.length);
  for (let i = 0; i < n; i++) {
    out.set(a.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES), 2 * i * DIGEST_BYTES);
    out.set(b.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES), (2 * i + 1) * DIGEST_BYTES);
  }
  return out;
}

export interface CommitOptions {
  /**
   * The prover's worker pool (over this thread's kernel memory): hashing then runs on its workers,
   * this thread staging rows meanwhile. Without it, the hashing module's own light workers are used.
   */
  readonly pool?: WorkerPool;
}

/** Commits to the rows of `matrices` (heights powers of two, possibly different). */
export async function commit(hasher: Hasher, matrices: readonly Matrix[], opts: CommitOptions = {}): Promise<MerkleTree> {
  const logMax = checkDims(matrices, 'range');
  matrices.forEach((m, i) => {
    if (m.values.length !== m.width * m.height) throw new RangeError(`merkle: matrix ${i} has ${m.values.length} values, expected ${m.width * m.height}`);
  });
  const groups = groupByHeight(matrices, logMax).map((g) => g.map((m) => matrices[m]!));
  const layers = hasher.kernelOps
    ? await buildInKernel(hasher.kernelOps, groups, logMax, opts.pool ? poolExecutor(opts.pool) : localExecutor)
    : await buildWithHasher(hasher, groups, logMax);
  return { root: layers[logMax]!.slice(), hasher, matrices, logMaxHeight: logMax, layers };
}

/** The generic path: one `hashRows` / `compressLayer` call per level. */
async function buildWithHasher(hasher: Hasher, groups: Matrix[][], logMax: number): Promise<(Uint8Array | undefined)[]> {
  const layers: (Uint8Array | undefined)[] = [];
  let cur = await hasher.hashRows(groups[logMax]!);
  layers.push(isKeptLevel(0, logMax) ? cur : undefined);
  for (let k = 1; k <= logMax; k++) {
    cur = await hasher.compressLayer(cur);
    const level = logMax - k;
    if (groups[level]!.length > 0) cur = await hasher.compressLayer(interleave(cur, await hasher.hashRows(groups[level]!)));
    layers.push(isKeptLevel(k, logMax) ? cur : undefined);
  }
  return layers;
}

/** Bytes of input rows one thread stages for one subtree. */
const SUBTREE_STAGE_BYTES = 1 << 21;
/** Smallest subtree worth sending to another thread (bytes of staged rows). */
const MIN_SUBTREE_BYTES = 1 << 16;

/**
 * The WASM path. The leaves are cut into subtrees of S = 2^s leaves, sized so that a subtree's
 * rows fit a few MiB; each round gives one subtree to each thread, which computes it entirely in
 * kernel memory (leaf hashes, then s levels of compression with the injected rows), saving its kept
 * levels and its top digest. Rows are staged in two alternating buffers, so the next round's rows
 * are copied while the current round is hashed. The levels above the subtrees are then computed
 * from the tops, each level split over the threads. Kernel memory thus holds a few subtrees and
 * the tops, not the whole pyramid, and one message per thread per round does a whole subtree.
 */
async function buildInKernel(
  ops: KernelHashOps,
  groups: Matrix[][],
  logMax: number,
  exec: HashExecutor,
): Promise<(Uint8Array | undefined)[]> {
  const { k, e } = hashKernels();
  const maxH = 2 ** logMax;
  const widths = groups.map((g) => totalWidth(g));
  const leafWidth = widths[logMax]!;
  // Staged u32 per subtree leaf: the tallest rows plus the injected rows of each lower level.
  const wordsPerLeaf = widths.reduce((acc, w, l) => acc + w / 2 ** (logMax - l), 0);
  const bytesPerLeaf = Math.max(4 * wordsPerLeaf, 4);
  // Bounded by the staged rows and by the subtree's own digests (S * 32 bytes), so that kernel
  // memory (freshly touched pages cost ~3 ms/MB here) stays a few MiB per thread for narrow rows too.
  let s = Math.min(logMax, Math.max(0, Math.floor(Math.log2(SUBTREE_STAGE_BYTES / Math.max(bytesPerLeaf, DIGEST_BYTES)))));
  // Subtrees per round: a power of two, so that rounds tile the leaves exactly.
  let threads = 1;
  while (threads * 2 <= exec.threads) threads *= 2;
  // Smaller subtrees when that gives every thread one, as long as each stays worth a message.
  while (threads > 1 && 2 ** (logMax - s) < threads && s > 0 && 2 ** (s - 1) * bytesPerLeaf >= MIN_SUBTREE_BYTES) s--;
  threads = Math.min(threads, 2 ** (logMax - s));
  if (threads > 1 && 2 ** s * bytesPerLeaf < MIN_SUBTREE_BYTES) threads = 1;
  if (threads === 1 && s < logMax && 2 ** logMax * bytesPerLeaf <= 4 * SUBTREE_STAGE_BYTES) s = logMax;
  const S = 2 ** s;

  const layers: (Uint8Array | undefined)[] = Array.from({ length: logMax + 1 }, (_, lv) =>
    isKeptLevel(lv, logMax) && lv !== logMax ? new Uint8Array((maxH >> lv) * DIGEST_BYTES) : undefined,
  );
  const keptInSubtree = [...Array(s + 1).keys()].filter((lv) => layers[lv] !== undefined);
  const keptBytes = keptInSubtree.reduce((acc, lv) => acc + (S >> lv) * DIGEST_BYTES, 0);
  const stageBytes = Math.max(4 * Math.ceil(S * wordsPerLeaf), 64);
  // Per thread: two staging buffers, two ping-pong digest buffers, injected digests, kept levels.
  const slots = Array.from({ length: threads }, () => ({
    stage: [k.alloc(stageBytes), k.alloc(stageBytes)] as const,
    a: k.alloc(S * DIGEST_BYTES),
    b: k.alloc(Math.max((S / 2) * DIGEST_BYTES, 64)),
    inj: k.alloc(Math.max((S / 2) * DIGEST_BYTES, 64)),
    kept: k.alloc(Math.max(keptBytes, 64)),
  }));
  const tops = k.alloc((maxH >> s) * DIGEST_BYTES);

  /** Stages the rows of subtree `first` into `stage`; returns where each level's rows start. */
  const stageRows = (first: number, stage: number): number[] => {
    const at: number[] = [];
    let o = 0;
    for (let lv = 0; lv <= s; lv++) {
      const g = groups[logMax - lv]!;
      if (g.length === 0) continue;
      const n = S >> lv;
      const w = widths[logMax - lv]!;
      gatherRows(g, first >> lv, (first >> lv) + n, k.u32(stage + 4 * o, n * w));
      at[lv] = stage + 4 * o;
      o += n * w;
    }
    return at;
  };
  /** The calls computing subtree `first` from its staged rows. */
  const subtreeCalls = (slot: (typeof slots)[number], first: number, at: number[], scratch: number): KernelCall[] => {
    const calls: KernelCall[] = [ops.leaves(at[0]!, leafWidth, S, slot.a, scratch)];
    let cur = slot.a;
    let other = slot.b;
    let keptOff = slot.kept;
    for (let lv = 1; lv <= s; lv++) {
      const n = S >> lv;
      calls.push(ops.nodes(cur, n, other, scratch));
      if (at[lv] !== undefined) {
        calls.push(ops.leaves(at[lv]!, widths[logMax - lv]!, n, slot.inj, scratch));
        calls.push(['hash_interleave_digests', [other, slot.inj, n, cur]]);
        calls.push(ops.nodes(cur, n, other, scratch));
      }
      if (layers[lv]) {
        calls.push(['hash_copy_bytes', [keptOff, other, n * DIGEST_BYTES]]);
        keptOff += n * DIGEST_BYTES;
      }
      [cur, other] = [other, cur];
    }
    calls.push(['hash_copy_bytes', [tops + (first >> s) * DIGEST_BYTES, cur, DIGEST_BYTES]]);
    return calls;
  };
  const collectKept = (slot: (typeof slots)[number], first: number) => {
    let off = slot.kept;
    for (const lv of keptInSubtree) {
      const n = S >> lv;
      layers[lv]!.set(k.u8(off, n * DIGEST_BYTES), (first >> lv) * DIGEST_BYTES);
      off += n * DIGEST_BYTES;
    }
  };

  try {
    const perRound = threads * S;
    const stageRound = (round: number, buf: 0 | 1) => slots.map((slot, j) => stageRows(round + j * S, slot.stage[buf]));
    let staged = stageRound(0, 0);
    for (let round = 0, buf: 0 | 1 = 0; round < maxH; round += perRound, buf = buf === 0 ? 1 : 0) {
      const at = staged;
      const running = exec.runTasks(
        ops,
        slots.map((slot, j) => (scratch: number) => subtreeCalls(slot, round + j * S, at[j]!, scratch)),
      );
      if (round + perRound < maxH) staged = stageRound(round + perRound, buf === 0 ? 1 : 0);
      await running;
      slots.forEach((slot, j) => collectKept(slot, round + j * S));
    }
    // Levels above the subtrees.
    let cur = tops;
    let n = maxH >> s;
    const other = k.alloc(Math.max((n / 2) * DIGEST_BYTES, 64));
    const inj = k.alloc(Math.max((n / 2) * DIGEST_BYTES, 64));
    try {
      let dst = other;
      for (let lv = s + 1; lv <= logMax; lv++) {
        n >>= 1;
        await compressInto(ops, cur, n, dst, exec);
        const g = groups[logMax - lv]!;
        if (g.length > 0) {
          await hashRowsInto(ops, g, inj, exec);
          e.hash_interleave_digests(dst, inj, n, cur);
          await compressInto(ops, cur, n, dst, exec);
        }
        if (layers[lv]) layers[lv]!.set(k.u8(dst, n * DIGEST_BYTES));
        [cur, dst] = [dst, cur];
      }
      layers[logMax] = k.u8(cur, DIGEST_BYTES).slice();
    } finally {
      k.free(inj);
      k.free(other);
    }
    return layers;
  } finally {
    k.free(tops);
    for (const slot of slots) {
      k.free(slot.kept);
      k.free(slot.inj);
      k.free(slot.b);
      k.free(slot.a);
      k.free(slot.stage[1]);
      k.free(slot.stage[0]);
    }
  }
}

export function dimsOf(tree: MerkleTree): MatrixDims[] {
  return tree.matrices.map((m) => ({ width: m.width, height: m.height }));
}

function sortedUnique(xs: Iterable<number>): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

/** Opens the rows at leaf `indices` (any order, repeats allowed) with deduplicated siblings. */
export function open(tree: MerkleTree, indices: readonly number[]): MerkleOpening {
  const logMax = tree.logMaxHeight;
  const maxH = 2 ** logMax;
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= maxH) throw new RangeError(`merkle open: index ${i} is not in [0, ${maxH})`);
  }
  const rows = indices.map((i) =>
    tree.matrices.map((m) => {
      const r = i >> (logMax - log2Exact(m.height));
      return m.values.slice(r * m.width, (r + 1) * m.width);
    }),
  );
  // Below the first kept level, siblings come from the small subtree ("block") around each query,
  // recomputed once per block in a few batched kernel calls.
  const blockLevels = Math.min(FIRST_KEPT_LEVEL, logMax);
  const blocks = new Map<number, Uint8Array[]>();
  const groups = groupByHeight(tree.matrices, logMax).map((g) => g.map((m) => tree.matrices[m]!));
  const nodeAt = (k: number, pos: number): Uint8Array => {
    const layer = tree.layers[k];
    if (layer) return layer.slice(pos * DIGEST_BYTES, (pos + 1) * DIGEST_BYTES);
    if (k < blockLevels) {
      const b = pos >> (blockLevels - k);
      let levels = blocks.get(b);
      if (!levels) blocks.set(b, (levels = blockDigests(tree.hasher, groups, logMax, blockLevels, b)));
      const o = pos - (b << (blockLevels - k));
      return levels[k]!.slice(o * DIGEST_BYTES, (o + 1) * DIGEST_BYTES);
    }
    // Above the first kept level, every other level is kept: one compression (and injection).
    const h = tree.hasher;
    const node = h.compress(nodeAt(k - 1, 2 * pos), nodeAt(k - 1, 2 * pos + 1));
    const g = groups[logMax - k]!;
    return g.length > 0 ? h.compress(node, hashRange(h, g, pos, pos + 1)) : node;
  };
  const siblings: Uint8Array[] = [];
  let known = sortedUnique(indices);
  for (let k = 0; k < logMax; k++) {
    const set = new Set(known);
    for (const pos of known) {
      const sib = pos ^ 1;
      if (!set.has(sib)) siblings.push(nodeAt(k, sib));
    }
    known = sortedUnique(known.map((p) => p >> 1));
  }
  return { rows, siblings };
}

/** Leaf digests of rows [r0, r1) of the concatenated `list`: one kernel call, or one hashRow each. */
function hashRange(h: Hasher, list: readonly Matrix[], r0: number, r1: number): Uint8Array {
  if (h.kernelOps) return hashRowsSync(h.kernelOps, list, r0, r1);
  const w = totalWidth(list);
  const out = new Uint8Array((r1 - r0) * DIGEST_BYTES);
  const row = new Uint32Array(w);
  for (let r = r0; r < r1; r++) {
    gatherRows(list, r, r + 1, row);
    out.set(h.hashRow(row), (r - r0) * DIGEST_BYTES);
  }
  return out;
}

/** Parents of the digest pairs in `children`: one kernel call, or one compress each. */
function compressRange(h: Hasher, children: Uint8Array): Uint8Array {
  if (h.kernelOps) return compressPairsSync(h.kernelOps, children);
  const n = children.length / (2 * DIGEST_BYTES);
  const out = new Uint8Array(n * DIGEST_BYTES);
  for (let i = 0; i < n; i++) {
    out.set(h.compress(children.subarray(64 * i, 64 * i + 32), children.subarray(64 * i + 32, 64 * i + 64)), i * DIGEST_BYTES);
  }
  return out;
}

/** Levels 0 .. L-1 of the block of 2^L leaves number `b` (the subtree under node b of level L). */
function blockDigests(h: Hasher, groups: Matrix[][], logMax: number, L: number, b: number): Uint8Array[] {
  const n0 = 2 ** L;
  const levels = [hashRange(h, groups[logMax]!, b * n0, (b + 1) * n0)];
  for (let k = 1; k < L; k++) {
    const n = n0 >> k;
    let parents = compressRange(h, levels[k - 1]!);
    const g = groups[logMax - k]!;
    if (g.length > 0) parents = compressRange(h, interleave(parents, hashRange(h, g, b * n, (b + 1) * n)));
    levels.push(parents);
  }
  return levels;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Checks that `opening` opens `indices` of the matrices with dimensions `dims` (commit order)
 * under `root`. Returns nothing; throws a MerkleError naming the failed check.
 */
export function verifyOpening(
  hasher: Hasher,
  root: Uint8Array,
  dims: readonly MatrixDims[],
  indices: readonly number[],
  opening: MerkleOpening,
): void {
  const logMax = checkDims(dims, 'merkle');
  const maxH = 2 ** logMax;
  const groups = groupByHeight(dims, logMax);
  if (!(root instanceof Uint8Array) || root.length !== DIGEST_BYTES) throw new MerkleError('malformed', 'root is not a 32-byte digest');
  if (indices.length === 0) throw new MerkleError('shape', 'no indices to verify');
  indices.forEach((i, q) => {
    if (!Number.isInteger(i) || i < 0 || i >= maxH) throw new MerkleError('index', `index ${i} is not in [0, ${maxH})`, { query: q });
  });
  if (!opening || !Array.isArray(opening.rows) || !Array.isArray(opening.siblings)) throw new MerkleError('shape', 'opening is not { rows, siblings }');
  if (opening.rows.length !== indices.length) {
    throw new MerkleError('shape', `${opening.rows.length} opened row sets for ${indices.length} indices`);
  }
  opening.rows.forEach((rs, q) => {
    if (!Array.isArray(rs) || rs.length !== dims.length) throw new MerkleError('shape', `query ${q} opens ${rs?.length} rows, expected ${dims.length}`, { query: q });
    rs.forEach((r, m) => {
      if (!(r instanceof Uint32Array) || r.length !== dims[m]!.width) {
        throw new MerkleError('shape', `query ${q}, matrix ${m}: row of width ${r?.length}, expected ${dims[m]!.width}`, { query: q, matrix: m });
      }
      for (let c = 0; c < r.length; c++) {
        if (r[c]! >= P) throw new MerkleError('malformed', `query ${q}, matrix ${m}, column ${c}: ${r[c]} is not a field element`, { query: q, matrix: m });
      }
    });
  });

  const hashLeafOf = (q: number, level: number): Uint8Array => {
    const members = groups[level]!;
    let w = 0;
    for (const m of members) w += dims[m]!.width;
    const cat = new Uint32Array(w);
    let o = 0;
    for (const m of members) {
      cat.set(opening.rows[q]![m]!, o);
      o += dims[m]!.width;
    }
    return hasher.hashRow(cat);
  };
  const guarded = <T>(what: string, detail: Record<string, number>, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof MerkleError) throw e;
      throw new MerkleError('malformed', `${what}: ${(e as Error).message}`, detail);
    }
  };
  /** Digest of the rows of height 2^level opened by each query, checked equal among queries sharing a node. */
  const injected = (level: number, k: number): Map<number, Uint8Array> => {
    const byPos = new Map<number, Uint8Array>();
    indices.forEach((i, q) => {
      const pos = i >> k;
      const d = guarded('row hash', { query: q, level: k }, () => hashLeafOf(q, level));
      const prev = byPos.get(pos);
      if (prev && !equalBytes(prev, d)) {
        throw new MerkleError('inconsistent', `queries open different rows of height ${2 ** level} at position ${pos}`, { query: q, level: k, position: pos });
      }
      byPos.set(pos, d);
    });
    return byPos;
  };

  let cursor = 0;
  const nextSibling = (k: number, pos: number): Uint8Array => {
    if (cursor >= opening.siblings.length) {
      throw new MerkleError('sibling-count', `missing sibling at level ${k}, position ${pos} (only ${opening.siblings.length} given)`, { level: k, position: pos });
    }
    const s = opening.siblings[cursor++]!;
    if (!(s instanceof Uint8Array) || s.length !== DIGEST_BYTES) {
      throw new MerkleError('malformed', `sibling ${cursor - 1} is not a 32-byte digest`, { level: k, position: pos });
    }
    return s;
  };

  let current = injected(logMax, 0);
  for (let k = 0; k < logMax; k++) {
    const next = new Map<number, Uint8Array>();
    const positions = [...current.keys()].sort((a, b) => a - b);
    for (const pos of positions) {
      if (pos & 1 && current.has(pos ^ 1)) continue; // computed with its left neighbour
      const left = pos & 1 ? nextSibling(k, pos ^ 1) : current.get(pos)!;
      const right = pos & 1 ? current.get(pos)! : (current.get(pos ^ 1) ?? nextSibling(k, pos ^ 1));
      next.set(pos >> 1, guarded('compress', { level: k, position: pos }, () => hasher.compress(left, right)));
    }
    const level = logMax - k - 1;
    if (groups[level]!.length > 0) {
      const inj = injected(level, k + 1);
      for (const [pos, node] of next) {
        next.set(pos, guarded('compress', { level: k + 1, position: pos }, () => hasher.compress(node, inj.get(pos)!)));
      }
    }
    current = next;
  }
  if (cursor !== opening.siblings.length) {
    throw new MerkleError('sibling-count', `${opening.siblings.length - cursor} siblings left over (expected ${cursor})`);
  }
  if (!equalBytes(current.get(0)!, root)) throw new MerkleError('root-mismatch', 'recomputed root differs from the commitment');
}
