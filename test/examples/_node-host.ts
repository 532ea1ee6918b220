/**
 * The reference host: runs a guest .wasm in Node's own WebAssembly engine with JS implementations
 * of the `zkvm` syscalls (docs/abi.md). The VM must give the same output bytes and the same kind of
 * failure as this for every guest: that is the differential test of the whole toolchain.
 */

export type NodeRunResult =
  | { readonly ok: true; readonly output: Uint8Array }
  | { readonly ok: false; readonly output: Uint8Array; readonly panic?: string; readonly trap?: string };

/** Thrown from inside a syscall to unwind the guest on `panic`. */
class PanicSignal extends Error {}

export function runInNode(wasm: Uint8Array, io: { input?: Uint8Array; publicInput?: Uint8Array } = {}): NodeRunResult {
  const input = io.input ?? new Uint8Array(0);
  const publicInput = io.publicInput ?? new Uint8Array(0);
  let inPos = 0;
  let pubPos = 0;
  const out: number[] = [];
  let memory: WebAssembly.Memory | undefined;
  const mem = (): Uint8Array => new Uint8Array(memory!.buffer);
  const span = (ptr: number, len: number): Uint8Array => {
    const m = mem();
    // Same rule as a WebAssembly load: a range outside memory traps.
    if (ptr >>> 0 !== ptr || len >>> 0 !== len || ptr + len > m.length) throw new WebAssembly.RuntimeError('memory access out of bounds');
    return m.subarray(ptr, ptr + len);
  };
  const reader = (src: Uint8Array, getPos: () => number, setPos: (p: number) => void) => (ptr: number, len: number): number => {
    const dst = span(ptr >>> 0, len >>> 0);
    const n = Math.min(dst.length, src.length - getPos());
    dst.set(src.subarray(getPos(), getPos() + n));
    setPos(getPos() + n);
    return n;
  };
  const imports = {
    zkvm: {
      read: reader(input, () => inPos, (p) => (inPos = p)),
      read_public: reader(publicInput, () => pubPos, (p) => (pubPos = p)),
      commit: (ptr: number, len: number): void => {
        for (const b of span(ptr >>> 0, len >>> 0)) out.push(b);
      },
      panic: (ptr: number, len: number): void => {
        throw new PanicSignal(new TextDecoder().decode(span(ptr >>> 0, len >>> 0)));
      },
    },
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  const entry = (instance.exports.main ?? instance.exports._start) as () => void;
  try {
    entry();
    return { ok: true, output: Uint8Array.from(out) };
  } catch (e) {
    if (e instanceof PanicSignal) return { ok: false, output: Uint8Array.from(out), panic: e.message };
    if (e instanceof WebAssembly.RuntimeError) return { ok: false, output: Uint8Array.from(out), trap: e.message };
    throw e;
  }
}
