/**
 * The buffers an object is written through, one per write in flight, kept for the next
 * write instead of allocated per batch (see `archivePieces`). They number at most the
 * writes that ever ran at once, which the exporter's concurrency bounds.
 */
export class PieceBuffers {
  readonly #size: number;
  readonly #free: Buffer[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  /** Lends a buffer to `use` until the promise it returns settles. */
  async lend<T>(use: (buffer: Buffer) => Promise<T>): Promise<T> {
    const buffer = this.#free.pop() ?? Buffer.allocUnsafeSlow(this.#size);
    try {
      return await use(buffer);
    } finally {
      this.#free.push(buffer);
    }
  }
}
