import { hostname } from 'node:os';
import { ConfigError, type FerryEvent, type JsonValue, type Processor, type ProcessorContext } from '@ferry/sdk';
import { ENVELOPE_FIELD, ENVELOPE_VERSION, GENESIS, hashText, type ChainAlgorithm, type ChainLink } from '@ferry/archive';
import type { IntegrityConfig } from './config.js';

interface Head {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Links every event to the one before it. The head is stored with each durable append of
 * the pipeline's log and restored from the last one at start, so a restart, a crash or a
 * retried batch continues the chain exactly where the accepted events left it.
 */
export class IntegrityChain implements Processor {
  readonly #writer: string;
  readonly #alg: ChainAlgorithm;
  readonly #secret: string | undefined;
  #head: Head = { seq: 0, hash: GENESIS };

  constructor(ctx: ProcessorContext<IntegrityConfig>) {
    if (ctx.storage === undefined) {
      throw new ConfigError('the integrity processor needs "storage" in the config: without it a restart would begin a new chain that `ferry verify` cannot link to the old one');
    }
    this.#writer = ctx.config.writerId ?? hostname();
    this.#secret = ctx.config.secret;
    this.#alg = this.#secret === undefined ? 'sha256' : 'hmac-sha256';
  }

  process(events: readonly FerryEvent[]): FerryEvent[] {
    let { seq, hash } = this.#head;
    const linked = events.map((event) => {
      const upstream = event[ENVELOPE_FIELD];
      const { [ENVELOPE_FIELD]: _theirs, ...plain } = event;
      seq++;
      const link: Omit<ChainLink, 'hash'> = { v: ENVELOPE_VERSION, writer: this.#writer, seq, alg: this.#alg, prev: hash, ...(upstream === undefined ? {} : { upstream }) };
      const record = { ...plain, [ENVELOPE_FIELD]: link } as Record<string, unknown>;
      hash = hashText(JSON.stringify(record), this.#alg, this.#secret);
      // `hash` last, as ferry verify expects when it splits a stored line.
      record[ENVELOPE_FIELD] = { ...link, hash };
      return record as FerryEvent;
    });
    this.#head = { seq, hash };
    return linked;
  }

  snapshot(): JsonValue {
    return { writer: this.#writer, seq: this.#head.seq, hash: this.#head.hash };
  }

  restore(state: JsonValue): void {
    const s = state as { writer?: unknown; seq?: unknown; hash?: unknown } | null;
    if (s && typeof s.seq === 'number' && typeof s.hash === 'string' && s.writer === this.#writer) this.#head = { seq: s.seq, hash: s.hash };
  }
}
