/**
 * Row-major matrices of BabyBear elements: the shape traces, LDEs and Merkle leaves share.
 *
 * Row-major because a Merkle leaf is a row and because an NTT over many columns at once then
 * works on contiguous rows (a butterfly is a vector operation across the width).
 * @module
 */

export interface Matrix {
  /** height * width elements, row r at [r * width, (r + 1) * width). */
  readonly values: Uint32Array;
  readonly width: number;
  readonly height: number;
}

export function matrix(values: Uint32Array, width: number): Matrix {
  if (!Number.isInteger(width) || width <= 0) throw new RangeError(`matrix: width must be a positive integer, got ${width}`);
  if (values.length % width !== 0) throw new RangeError(`matrix: ${values.length} values do not fill rows of width ${width}`);
  return { values, width, height: values.length / width };
}

export function zeroMatrix(width: number, height: number): Matrix {
  return { values: new Uint32Array(width * height), width, height };
}

export function row(m: Matrix, r: number): Uint32Array {
  return m.values.subarray(r * m.width, (r + 1) * m.width);
}

export function column(m: Matrix, c: number): Uint32Array {
  const out = new Uint32Array(m.height);
  for (let r = 0; r < m.height; r++) out[r] = m.values[r * m.width + c]!;
  return out;
}

/** Builds a matrix from columns of equal length. */
export function fromColumns(cols: readonly Uint32Array[]): Matrix {
  const width = cols.length;
  const height = cols[0]?.length ?? 0;
  const values = new Uint32Array(width * height);
  for (let c = 0; c < width; c++) {
    const col = cols[c]!;
    if (col.length !== height) throw new RangeError(`fromColumns: column ${c} has ${col.length} rows, expected ${height}`);
    for (let r = 0; r < height; r++) values[r * width + c] = col[r]!;
  }
  return { values, width, height };
}
