import type { Batch, Logger } from '@ferry/sdk';

export interface DeadLetter {
  readonly exporter: string;
  readonly pipeline: string;
  readonly reason: string;
  readonly batch: Batch;
}

/** Where events go that an exporter can never deliver. */
export interface DeadLetterSink {
  add(letter: DeadLetter): Promise<void>;
}

/**
 * Without persistence, dead letters cannot be kept: each is logged at error level with
 * the reason and every event id, and counted as failed, so none disappears silently.
 */
export class LoggedDeadLetters implements DeadLetterSink {
  readonly #logger: Logger;
  constructor(logger: Logger) {
    this.#logger = logger;
  }
  async add(letter: DeadLetter): Promise<void> {
    this.#logger.error('dead-lettered events (not kept: no storage configured)', {
      exporter: letter.exporter,
      pipeline: letter.pipeline,
      reason: letter.reason,
      events: letter.batch.count,
      ids: letter.batch.events.map((e) => e.id),
    });
  }
}
