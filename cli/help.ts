/** Help texts of the `zkvm` command, one per command, kept next to each other so they stay alike. */

export const COMMANDS = ['build', 'run', 'prove', 'verify', 'disasm', 'bench'] as const;
export type CommandName = (typeof COMMANDS)[number];

const HELP: Record<CommandName, string> = {
  build: `Usage: zkvm build <guest.ts | module.wasm | folder | examples/NAME> [-o program.zkvm] [--json]

Compiles a guest to a program file. An AssemblyScript guest is built with asc (imports from
"zkvm-sdk" resolve to the SDK), then compiled from WebAssembly to the VM's bytecode. A folder
(such as examples/fibonacci) is built from its assembly/index.ts.

Options:
  -o, --output FILE   program file to write (default: NAME.zkvm in the working directory)
  --json              print {program, name, digest, instructions, bytes, buildMs}
  --no-cache          rebuild AssemblyScript even if build/guests has an up-to-date module
`,
  run: `Usage: zkvm run <program.zkvm | guest.ts | module.wasm | examples/NAME> [options]

Executes a program (building it first if given a guest) and prints its public output as hex and
the cycle count. A panic, trap or reached limit exits with code 1 and the reason on stderr.

Options:
  --input FILE             private input bytes (read by the guest with read)
  --public-input FILE      public input bytes (read with read_public)
  --input-hex HEX          private input given as hex instead of a file
  --public-input-hex HEX   public input given as hex
  --max-cycles N           stop with an error after N cycles
  --json                   print {program, digest, output, cycles, cyclesByClass, memoryBytes, runMs}
  --no-cache               rebuild AssemblyScript guests
`,
  prove: `Usage: zkvm prove <program.zkvm | guest.ts | examples/NAME> -o <proof-file> [options]

Executes the program on its inputs and proves the run: every instruction, the memory, the public
input and the output. A run longer than one segment (default 2^18 cycles) is proved as several
segment proofs joined into one claim. Progress goes to stderr when proving takes over a second.

Options:
  -o, --output FILE        proof file to write (required)
  --input FILE             private input bytes (not revealed by the proof)
  --public-input FILE      public input bytes (part of the claim)
  --input-hex HEX          private input as hex
  --public-input-hex HEX   public input as hex
  --segment-cycles N       cycles per segment, a power of two (default 262144)
  --max-cycles N           refuse runs longer than N cycles
  --security LEVEL         standard (100 bits, default) or high (128 bits)
  --json                   print {cycles, rowsByTable, cells, proveMs, peakMemoryBytes, proofBytes, output, ...}
  --no-cache               rebuild AssemblyScript guests
`,
  verify: `Usage: zkvm verify <program.zkvm | guest | DIGEST> <proof-file> [options]

Checks a proof against a program (a file, a guest, or its 64-hex-digit digest) and the public
claim. Exits 0 when the proof is valid and 1 with the reason when it is rejected.

Options:
  --public-input FILE      the public input the proof must be for
  --output FILE            the output the proof must claim (default: print the proof's claim)
  --public-input-hex HEX   the same as hex
  --output-hex HEX
  --json                   print {ok, verifyMs, digest, output, segments} (or {ok: false, reason})
`,
  disasm: `Usage: zkvm disasm <program.zkvm | guest.ts | module.wasm | examples/NAME>

Prints the program's bytecode as text: functions, instructions and their operands.
`,
  bench: `Usage: zkvm bench fib [--log-rows N] [--json]

Proves and verifies a Fibonacci AIR of 2^N rows (default N = 16) and prints rows, proveMs,
verifyMs, proofBytes, securityBits and peakMemoryBytes. npm run bench runs every benchmark.

Options:
  --log-rows N   log2 of the number of trace rows (1..27)
  --json         print one JSON object
`,
};

export function commandHelp(command: CommandName): string {
  return HELP[command];
}

export function usageText(): string {
  return `Usage: zkvm <command> [options]

A zero-knowledge virtual machine for WebAssembly guests.

Commands:
  build   compile a guest (AssemblyScript, WebAssembly or examples/NAME) to a .zkvm program
  run     execute a program or guest on inputs; print the public output and the cycles
  prove   execute and prove a run; write a proof file
  verify  check a proof file against a program digest and the public input and output
  disasm  print a program's bytecode
  bench   run a benchmark (fib)

zkvm <command> --help shows the command's options. Examples:
  zkvm build examples/sha256 -o sha256.zkvm
  echo -n abc > msg.bin && zkvm run sha256.zkvm --input msg.bin
  zkvm run examples/fibonacci --input-hex 0a000000 --json
  zkvm prove examples/fibonacci --input-hex 0a000000 -o fib.proof
  zkvm verify examples/fibonacci fib.proof
`;
}
