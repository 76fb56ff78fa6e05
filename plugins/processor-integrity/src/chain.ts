import { hostname } from 'node:os';
import { eventLine, withText, type FerryEvent, type JsonValue, type Logger, type Processor, type ProcessorContext } from '@ferry/sdk';
import { BLOCK_BYTES, BLOCK_CHAIN_VERSION, BLOCK_RECORDS, BlockLinker, GENESIS, memberTail, type ChainAlgorithm } from '@ferry/archive';
import { withoutEnvelope } from './upstream.js';
import type { IntegrityConfig } from './config.js';

/** Where the chain stands: the last seal's position and its block's hash. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** What the host stores with each durable append (and hands back to `restore`). */
export interface ChainState extends ChainHead {
  readonly writer: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Links every event into its writer's chain: numbered, and sealed in blocks by a hash over
 * their stored bytes that also covers the block before.
 *
 * The chain advances only when the host takes the snapshot it stores with a durable
 * append: `process` links a call's events from the last snapshotted head, and `snapshot`
 * (which the host calls right after, for the same call, when it appends them) makes
 * their last link the head. Events of a call the host then drops (a later processor
 * failed, the pipeline closed) never move the head, so the next call reuses their
 * positions instead of leaving a gap; and after a crash `restore` gets the head of the
 * last accepted event, so the chain continues without a fork or a gap.
 */
export class IntegrityChain implements Processor {
  readonly #writer: string;
  readonly #alg: ChainAlgorithm;
  readonly #linker: BlockLinker;
  readonly #logger: Logger;
  #head: ChainHead = { seq: 0, hash: GENESIS };
  #linked: ChainHead | undefined;

  constructor(ctx: ProcessorContext<IntegrityConfig>) {
    this.#writer = ctx.config.writerId ?? defaultWriter();
    this.#alg = ctx.config.secret === undefined ? 'sha256' : 'hmac-sha256';
    this.#linker = new BlockLinker(this.#writer, this.#alg, ctx.config.secret);
    this.#logger = ctx.logger;
    if (ctx.storage === undefined) {
      ctx.logger.warn(
        'integrity runs without "storage": every start begins a new chain epoch (seq 1 again), which ferry verify lists; events accepted but not yet delivered at a stop are lost with the memory queue and cannot be proven complete',
        { writer: this.#writer },
      );
    }
  }

  get writer(): string {
    return this.#writer;
  }

  /**
   * Appends each event's place in the chain to its stored text, and seals the call's events
   * in blocks of at most BLOCK_RECORDS, or BLOCK_BYTES of text (envelope version 3: one hash over a block's stored
   * bytes, see @ferry/archive block-chain.ts), so the event's text is never re-encoded and
   * a call's last event always closes a block: the host appends a call whole, so the log
   * never holds half a block. An event that already has a `ferry` member (from an upstream
   * Ferry) has it moved, as text, into the link's `upstream`.
   *
   * On this thread: a worker thread that built and hashed the records (two versions of it,
   * for version 2's hash per record) measured slower on the 2-core machine than this, where
   * the receiving thread, the worker and the source competed for the same cores, and
   * handing texts and records across cost more than linking them (see the README's
   * performance section).
   */
  process(events: readonly FerryEvent[]): FerryEvent[] {
    let { seq, hash } = this.#head;
    const linked = new Array<FerryEvent>(events.length);
    this.#linker.reset();
    let first = seq + 1;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as FerryEvent;
      seq++;
      let text = eventLine(event);
      let tail = '';
      if (event.ferry !== undefined) {
        const cut = withoutEnvelope(text);
        text = cut.text;
        tail = memberTail(cut.envelope);
      }
      // The object mirrors the line for processors after this one; the line is what is stored.
      let link: { [key: string]: JsonValue };
      let line: string;
      if (i === events.length - 1 || seq - first + 1 === BLOCK_RECORDS || this.#linker.pending + text.length >= BLOCK_BYTES) {
        const prev = hash;
        line = this.#linker.seal(text, seq, first, prev, tail);
        hash = this.#linker.hash;
        link = { v: BLOCK_CHAIN_VERSION, writer: this.#writer, seq, alg: this.#alg, first, prev };
        if (event.ferry !== undefined) link.upstream = event.ferry;
        link.hash = hash;
        first = seq + 1;
      } else {
        line = this.#linker.member(text, seq, tail);
        link = { v: BLOCK_CHAIN_VERSION, writer: this.#writer, seq };
        if (event.ferry !== undefined) link.upstream = event.ferry;
      }
      linked[i] = withText({ ...event, ferry: link }, line);
    }
    this.#linked = { seq, hash };
    return linked;
  }

  snapshot(): JsonValue {
    if (this.#linked !== undefined) {
      this.#head = this.#linked;
      this.#linked = undefined;
    }
    const state: ChainState = { writer: this.#writer, seq: this.#head.seq, hash: this.#head.hash };
    return { ...state };
  }

  restore(state: JsonValue): void {
    const s = state as Partial<ChainState> | null;
    if (typeof s !== 'object' || s === null || !Number.isSafeInteger(s.seq) || (s.seq as number) < 0 || typeof s.hash !== 'string' || !HEX64.test(s.hash)) {
      this.#logger.error('the stored chain head is unreadable: starting a new chain epoch (ferry verify will list it)', { writer: this.#writer });
      return;
    }
    if (s.writer !== this.#writer) {
      this.#logger.info('writerId changed: starting a new chain for this writer', { writer: this.#writer, previous: String(s.writer) });
      return;
    }
    this.#head = { seq: s.seq as number, hash: s.hash };
    this.#linked = undefined;
  }
}

/** The host name, without whitespace (a writer id has none). */
function defaultWriter(): string {
  const name = hostname().replace(/\s+/g, '-');
  return name.length > 0 ? name : 'ferry';
}
