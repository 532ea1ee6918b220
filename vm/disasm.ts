/**
 * Disassembler: a Program as text, one instruction per line, formatted from the ISA table's operand
 * kinds (so it can never disagree with the encoder or the executor about operands).
 * @module
 */
import { INSTR_WORDS, ISA, TRAP_KINDS, type OperandKind } from './isa.ts';
import type { Program } from './program.ts';

function operand(p: Program, kind: OperandKind, v: number): string {
  switch (kind) {
    case 'dst': case 'src': return `s${v}`;
    case 'dst64': case 'src64': return `s${v}:${v + 1}`;
    case 'src3': return `s${v}..${v + 2}`;
    case 'imm': return String(v);
    case 'offset': return `+${v >>> 0}`;
    case 'target': return `@${v}`;
    case 'count': return `#${v}`;
    case 'func': return `${p.functions[v]?.name ?? `f${v}`}`;
    case 'frame': return `frame+${v}`;
    case 'type': return `type ${p.types[v] ?? v}`;
    case 'global': return `g${v}`;
    case 'trap': return TRAP_KINDS[v] ?? `trap ${v}`;
    default: return '';
  }
}

/** One instruction, e.g. `add s3, s1, s2`. */
export function disassembleInstr(p: Program, pc: number): string {
  const i = pc * INSTR_WORDS;
  const d = ISA[p.code[i]!];
  if (!d) return `.word ${p.code[i]}`;
  const ops = d.operands.map((k, j) => (k === 'none' ? '' : operand(p, k, p.code[i + 1 + j]!))).filter((s) => s !== '');
  return ops.length ? `${d.mnemonic} ${ops.join(', ')}` : d.mnemonic;
}

/** The whole program: header, then each function's code with pcs. */
export function disassemble(p: Program): string {
  const lines: string[] = [
    `; program ${p.name}  digest ${p.digest}`,
    `; memory ${p.memory.initialPages}..${p.memory.maxPages} pages, ${p.data.length} data segments, ${p.globals.length} global slots, table of ${p.table.length}`,
  ];
  const starts = new Map(p.functions.map((f, k) => [f.entry, k]));
  const n = p.code.length / INSTR_WORDS;
  for (let pc = 0; pc < n; pc++) {
    const k = starts.get(pc);
    if (pc === p.entry) lines.push('', '<entry>:');
    if (k !== undefined) {
      const f = p.functions[k]!;
      lines.push('', `${f.name}:  ; f${k} ${p.types[f.typeId]} frame ${f.frameSize}`);
    }
    lines.push(`${String(pc).padStart(6)}  ${disassembleInstr(p, pc)}`);
  }
  return lines.join('\n') + '\n';
}
