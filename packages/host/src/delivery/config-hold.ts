/**
 * An exporter whose destination refuses its configuration (a ConfigError from `export`: a
 * revoked key, a missing bucket): the batches it meets that with are held queued, and the
 * problem is reported once — as `ctx.reportError` reports it, to the log and `/status` —
 * rather than at every attempt of every batch. A delivery ends the streak, so the next
 * refusal is reported again. Shared by the exporter's runners in every pipeline.
 */
export class ConfigHold {
  readonly #report: (error: Error) => void;
  #reported: string | undefined;

  constructor(report: (error: Error) => void) {
    this.#report = report;
  }

  /** Whether batches are being held now. */
  get holding(): boolean {
    return this.#reported !== undefined;
  }

  /** A batch was refused for the configuration: report it, unless this streak already did (with the same words). */
  refused(error: Error): void {
    if (this.#reported === error.message) return;
    this.#reported = error.message;
    this.#report(error);
  }

  /** An attempt delivered: the configuration works again. */
  delivered(): void {
    this.#reported = undefined;
  }
}
