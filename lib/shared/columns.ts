/**
 * Growable typed columns: one number per row, for tables of a million rows where an object or
 * a boxed number per row would cost ten times the memory. Rows never set read as the column's
 * fill value.
 */
type TypedArray = Uint8Array | Int32Array | Float64Array;

abstract class Column<T extends TypedArray> {
  protected data: T;

  constructor(
    private readonly make: (size: number) => T,
    private readonly fill: number,
    initial = 1024,
  ) {
    this.data = make(Math.max(16, initial));
    if (fill !== 0) this.data.fill(fill);
  }

  get(row: number): number {
    return row < this.data.length ? this.data[row]! : this.fill;
  }

  set(row: number, value: number): void {
    if (row >= this.data.length) this.grow(row + 1);
    this.data[row] = value;
  }

  private grow(needed: number): void {
    let size = this.data.length;
    while (size < needed) size *= 2;
    const next = this.make(size);
    next.set(this.data);
    if (this.fill !== 0) next.fill(this.fill, this.data.length);
    this.data = next;
  }
}

/** Small non-negative integers (0-255); unset rows read 0. */
export class ByteColumn extends Column<Uint8Array> {
  constructor(initial?: number) {
    super((n) => new Uint8Array(n), 0, initial);
  }
}

/** 32-bit integers; unset rows read `fill` (default -1). */
export class Int32Column extends Column<Int32Array> {
  constructor(fill = -1, initial?: number) {
    super((n) => new Int32Array(n), fill, initial);
  }
}

/** Doubles; unset rows read NaN (which also stands for "no value"). */
export class Float64Column extends Column<Float64Array> {
  constructor(initial?: number) {
    super((n) => new Float64Array(n), Number.NaN, initial);
  }

  /** The values by row (rows past the last one set may be missing: read them with `get`). */
  view(): Float64Array {
    return this.data;
  }

  /** The value, or undefined for NaN (unset). */
  optional(row: number): number | undefined {
    const v = this.get(row);
    return Number.isNaN(v) ? undefined : v;
  }
}
