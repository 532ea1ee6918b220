/**
 * The `io` bus: public input and public output bytes, between the bulk table and the verifier.
 *
 * Tuples (kind, position, byte). `read_public` rows of the bulk table RECEIVE (IO_IN, pubPos + i,
 * byte) for every byte they copy to the heap; the verifier SENDS those terms itself from the public
 * input, so the bytes a proof reads are exactly the claimed input. `commit` rows SEND (IO_OUT,
 * outPos + i, byte) for every byte they read from the heap; the verifier RECEIVES one term per byte
 * of the claimed output, so the output is exactly what the program committed, in order (positions
 * are the CPU's running outPos). A permutation bus: every term has multiplicity 1.
 * @module
 */
import { defineBus } from '../../prover/bus.ts';

/** (kind, position, byte) */
export const ioBus = defineBus('io', { arity: 3, kind: 'permutation' });
/** Kind of a public input byte (read_public). */
export const IO_IN = 0;
/** Kind of a public output byte (commit). */
export const IO_OUT = 1;
