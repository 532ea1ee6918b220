/**
 * MLP guest: a generic int8 multilayer perceptron forward pass in plain AssemblyScript. Hidden
 * layers: matmul, add bias, ReLU, requantize to int8; the last layer: matmul and add bias, giving
 * int32 logits; then argmax. Dimensions, weights and the input come from the private input (layout
 * in examples/mlp/input.ts); the guest commits the class (u32) and, if asked, the logits (int32).
 * The input vector comes first so that layers can be read and applied one at a time.
 */
import { readU32, readI32, readUint32Array, readInt8Array, readInt32Array, commitU32, commitInt32Array, panic } from "zkvm-sdk";
import { matmulI8 } from "../../matmul/assembly/matmul";
import { addBias, reluI32, requantize, argmax } from "./layers";

const MAX_LAYERS: u32 = 64;
const MAX_DIM: u32 = 1 << 16;
const MAX_WEIGHTS: u64 = 1 << 24;
const FLAG_COMMIT_LOGITS: u32 = 1;

export function main(): void {
  const layers = readU32();
  if (layers == 0 || layers > MAX_LAYERS) panic("mlp: layer count " + layers.toString() + " is not in 1.." + MAX_LAYERS.toString());
  const flags = readU32();
  if ((flags & ~FLAG_COMMIT_LOGITS) != 0) panic("mlp: unknown flags " + flags.toString());
  const dims = readUint32Array(<i32>layers + 1);
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (d == 0 || d > MAX_DIM) panic("mlp: dims[" + i.toString() + "] = " + d.toString() + " is not in 1.." + MAX_DIM.toString());
    if (i > 0 && <u64>dims[i - 1] * <u64>d > MAX_WEIGHTS) panic("mlp: layer " + (i - 1).toString() + " has more than 2^24 weights");
  }
  let x = readInt8Array(<i32>dims[0]);
  let logits = new Int32Array(0);
  for (let l = 0; l < <i32>layers; l++) {
    const inDim = <i32>dims[l];
    const outDim = <i32>dims[l + 1];
    const w = readInt8Array(inDim * outDim);
    const bias = readInt32Array(outDim);
    const acc = matmulI8(x, w, 1, inDim, outDim);
    addBias(acc, bias);
    if (l == <i32>layers - 1) {
      logits = acc;
    } else {
      const multiplier = readI32();
      const shift = readU32();
      if (multiplier < 0) panic("mlp: layer " + l.toString() + " multiplier " + multiplier.toString() + " is negative");
      if (shift > 31) panic("mlp: layer " + l.toString() + " shift " + shift.toString() + " is not in 0..31");
      reluI32(acc);
      x = requantize(acc, multiplier, <i32>shift);
    }
  }
  commitU32(<u32>argmax(logits));
  if ((flags & FLAG_COMMIT_LOGITS) != 0) commitInt32Array(logits);
}
