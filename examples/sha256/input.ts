/**
 * Input and output layout of the sha256 example.
 * Input: the message, raw bytes (any length). Output: its 32-byte SHA-256 digest.
 */

export function encodeInput(message: Uint8Array | string): Uint8Array {
  if (typeof message === 'string') return new TextEncoder().encode(message);
  if (!(message instanceof Uint8Array)) throw new TypeError('message: expected a Uint8Array or a string');
  return message.slice();
}

export function decodeOutput(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== 32) throw new RangeError(`sha256 output: expected 32 bytes, got ${bytes.length}`);
  return bytes;
}
