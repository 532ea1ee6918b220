/**
 * The Program image and the `.zkvm` format: encode/decode round trip, the digest is BLAKE3 of the
 * canonical bytes and changes with any byte, and every damaged file (each truncation, random byte
 * flips, bad magic/version, trailing bytes, operands out of range) is rejected with a
 * ProgramFormatError, never another exception.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { assembleWat } from '../../guest/compiler/wat.ts';
import { compileWasm } from '../../guest/compiler/index.ts';
import { decodeProgram, encodeProgram, makeProgram, programDigest, ProgramFormatError, type Program } from '../../vm/program.ts';
import { execute } from '../../vm/executor.ts';
import { ExecutionError } from '../../vm/errors.ts';
import { OP, INSTR_WORDS } from '../../vm/isa.ts';
import { disassemble } from '../../vm/disasm.ts';
import { PRELUDE } from './_diff.ts';

const program = compileWasm(assembleWat(`(module ${PRELUDE}
  (global $g (mut i64) (i64.const -3))
  (data (i32.const 64) "hello")
  (type $t (func (param i32) (result i32)))
  (table 3 funcref) (elem (i32.const 1) $sq)
  (func $sq (param $x i32) (result i32) (i32.mul (local.get $x) (local.get $x)))
  (func (export "main")
    (i32.store (i32.const 0) (call_indirect (type $t) (i32.const 9) (i32.const 1)))
    (global.set $g (i64.add (global.get $g) (i64.const 1)))
    (call $commit (i32.const 64) (i32.const 5))
    (call $commit (i32.const 0) (i32.const 4))))`), { name: 'format-test' });

const expectFormatError = (bytes: Uint8Array): void => {
  try {
    decodeProgram(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ProgramFormatError);
    return;
  }
  throw new Error('decoded a damaged file');
};

describe('Program format', () => {
  it('round-trips: decode(encode(p)) has the same digest, fields and behaviour', () => {
    const bytes = encodeProgram(program);
    const back = decodeProgram(bytes);
    expect(back.digest).toBe(program.digest);
    expect(encodeProgram(back)).toEqual(bytes);
    expect(back.code).toEqual(program.code);
    expect(back.functions).toEqual(program.functions);
    expect(execute(back).output).toEqual(execute(program).output);
    expect(Buffer.from(execute(back).output.subarray(0, 5)).toString()).toBe('hello');
  });

  it('digest is BLAKE3 of the canonical encoding, starting with the magic and version', () => {
    const bytes = encodeProgram(program);
    expect(program.digest).toBe(bytesToHex(blake3(bytes)));
    expect(programDigest(program)).toBe(program.digest);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('ZKVM');
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true)).toBe(1);
  });

  it('changes the digest when one instruction changes', () => {
    const code = program.code.slice();
    const k = code.findIndex((w, i) => i % INSTR_WORDS === 0 && w === OP['mul']);
    code[k] = OP['add']!;
    const other = makeProgram({ ...program, code });
    expect(other.digest).not.toBe(program.digest);
  });

  it('rejects every truncation of a valid file', () => {
    const bytes = encodeProgram(program);
    for (let n = 0; n < bytes.length; n++) expectFormatError(bytes.subarray(0, n));
  });

  it('rejects or cleanly decodes any file with random bytes changed, never crashing', () => {
    const bytes = encodeProgram(program);
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
      const b = bytes.slice();
      for (const [i, x] of flips) b[i]! ^= x;
      let p: Program;
      try {
        p = decodeProgram(b);
      } catch (e) {
        expect(e).toBeInstanceOf(ProgramFormatError);
        return;
      }
      expect(p.digest).not.toBe(program.digest);
      // A file that decodes is safe to run: it ends normally or with an ExecutionError.
      try {
        execute(p, {}, { maxCycles: 10_000, maxMemoryBytes: 1 << 20, record: true });
      } catch (e) {
        expect(e).toBeInstanceOf(ExecutionError);
      }
    }), { numRuns: 300 });
  });

  it('rejects a foreign magic, another version, trailing bytes and a non-Uint8Array', () => {
    const bytes = encodeProgram(program);
    const magic = bytes.slice(); magic[0] = 0x7f;
    expect(() => decodeProgram(magic)).toThrow(/bad magic/);
    const version = bytes.slice(); version[4] = 9;
    expect(() => decodeProgram(version)).toThrow(/unsupported version 9/);
    expect(() => decodeProgram(Uint8Array.of(...bytes, 0))).toThrow(/trailing/);
    expect(() => decodeProgram([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('rejects operands the executor could not trust: unknown opcode, jump outside the code, bad function, bad table entry', () => {
    const bad = (patch: (code: Int32Array) => void, re: RegExp): void => {
      const code = program.code.slice();
      patch(code);
      expect(() => makeProgram({ ...program, code })).toThrow(re);
      expect(() => makeProgram({ ...program, code })).toThrow(ProgramFormatError);
    };
    const jmpAt = (code: Int32Array): number => code.findIndex((w, i) => i % INSTR_WORDS === 0 && w === OP['call']);
    bad((c) => { c[0] = 250; }, /unknown opcode 250/);
    bad((c) => { const k = jmpAt(c); c[k + 1] = 99; }, /is not a function/);
    bad((c) => { c[c.length - INSTR_WORDS] = OP['jmp']!; c[c.length - 3] = 1 << 30; }, /is not a pc/);
    bad((c) => { c[c.length - INSTR_WORDS] = OP['ret']!; c[c.length - 3] = 5; }, /must be 0/);
    expect(() => makeProgram({ ...program, table: Int32Array.of(0, 7) })).toThrow(/table entry 1/);
    expect(() => makeProgram({ ...program, memory: { initialPages: 5, maxPages: 4 } })).toThrow(/memory pages/);
    expect(() => makeProgram({ ...program, data: [{ offset: 4 * 65536 - 2, bytes: new Uint8Array(3) }] })).toThrow(/data segment 0/);
  });

  it('disassembles with function names and the digest', () => {
    const text = disassemble(program);
    expect(text).toContain(program.digest);
    expect(text).toMatch(/\nmain:/);
    expect(text).toMatch(/call_indirect s\d+, frame\+\d+, type i32->i32/);
    expect(text).toMatch(/mul s\d+, s1, s1/);
  });
});
