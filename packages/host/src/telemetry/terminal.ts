/**
 * Owns stderr while a progress line may be on screen: every log line first clears the
 * status line, then the status is drawn again below it.
 */
export class Terminal {
  readonly #stream: NodeJS.WriteStream;
  #status = '';

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
  }

  get isTTY(): boolean {
    return this.#stream.isTTY === true;
  }

  write(text: string): void {
    if (this.#status) this.#stream.write('\r\x1b[2K');
    this.#stream.write(text);
    if (this.#status) this.#stream.write(this.#status);
  }

  status(line: string): void {
    const width = this.#stream.columns ?? 120;
    this.#status = line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line;
    this.#stream.write(`\r\x1b[2K${this.#status}`);
  }

  clearStatus(): void {
    if (!this.#status) return;
    this.#status = '';
    this.#stream.write('\r\x1b[2K');
  }
}
