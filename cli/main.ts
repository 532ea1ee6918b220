/**
 * Process entry of the `zkvm` command (bin/zkvm.js imports this): runs cli/cli.ts on argv and sets
 * the exit code.
 */
import { runCli } from './cli.ts';

process.exitCode = await runCli(process.argv.slice(2));
