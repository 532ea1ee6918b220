/**
 * The ISA table is the single source: opcodes are unique and dense, every operand shape obeys the
 * "two reads, one write" rule, the executor's numeric case labels name the right mnemonics, and
 * docs/isa.md is exactly what the generator prints.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ISA, OP, PRECOMPILE_OPCODE_BASE, instr } from '../../vm/isa.ts';
import { renderIsaDoc, ISA_DOC_PATH } from '../../vm/isa-doc.ts';

describe('ISA table', () => {
  it('has unique mnemonics and opcodes equal to the row index, below the precompile range', () => {
    expect(new Set(ISA.map((d) => d.mnemonic)).size).toBe(ISA.length);
    ISA.forEach((d, i) => expect(d.op).toBe(i));
    expect(ISA.length).toBeLessThanOrEqual(PRECOMPILE_OPCODE_BASE);
    expect(OP.add).toBe(instr('add').op);
    expect(() => instr('no-such-op')).toThrow(/unknown mnemonic/);
  });

  it('reads at most two slot operands and writes at most one (bulk memory excepted)', () => {
    for (const d of ISA) {
      const reads = d.operands.filter((k) => k === 'src' || k === 'src64').length;
      const writes = d.operands.filter((k) => k === 'dst' || k === 'dst64').length;
      expect(reads, d.mnemonic).toBeLessThanOrEqual(2);
      expect(writes, d.mnemonic).toBeLessThanOrEqual(1);
      if (d.operands.includes('src3')) expect(d.cls).toBe('bulk-memory');
      if (d.operands.includes('imm')) expect(reads + writes, d.mnemonic).toBeLessThanOrEqual(2);
    }
  });

  it('gives every i32 binary operation a slot form and an immediate form with the same semantics', () => {
    for (const d of ISA.filter((x) => x.semantics.kind === 'bin32' && x.cls !== 'control' && !x.mnemonic.endsWith('.i'))) {
      const imm = instr(`${d.mnemonic}.i`);
      expect(imm.operands).toEqual(['dst', 'src', 'imm']);
      expect(imm.semantics).toEqual(d.semantics);
      expect(imm.table).toBe(d.table);
    }
  });

  it("matches the executor's numeric case labels to the mnemonics they claim", () => {
    const src = readFileSync(new URL('../../vm/executor.ts', import.meta.url), 'utf8');
    const labels = [...src.matchAll(/case (\d+): (?:\{ )?\/\/ (\S+)/g)].map((m) => [Number(m[1]), m[2]] as const);
    const seen = new Set<number>();
    for (const [op, mn] of labels) {
      expect(ISA[op]?.mnemonic, `case ${op}`).toBe(mn);
      seen.add(op);
    }
    // Every opcode of the table is handled by the executor's switch.
    expect([...seen].sort((a, b) => a - b)).toEqual(ISA.map((d) => d.op));
  });

  it('docs/isa.md is what the generator prints (run `npm run docs:isa` after changing the table)', () => {
    expect(readFileSync(ISA_DOC_PATH, 'utf8')).toBe(renderIsaDoc());
  });
});
