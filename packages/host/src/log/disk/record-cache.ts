import { findRecord, type LogRecord } from '../records.js';

/**
 * The newest records, kept in memory up to a byte bound so that exporters that keep up
 * never read the disk. Records are added in sequence order and leave from the oldest end,
 * so what is cached is always one contiguous run ending at the log's written end.
 */
export class RecordCache {
  readonly #maxBytes: number;
  #records: Array<LogRecord | undefined> = [];
  #head = 0;
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes of the records held. */
  get bytes(): number {
    return this.#bytes;
  }

  add(record: LogRecord): void {
    this.#records.push(record);
    this.#bytes += record.bytes;
    // The newest record stays even when it alone is over the bound.
    while (this.#bytes > this.#maxBytes && this.#head < this.#records.length - 1) this.#evictOne();
  }

  /** The cached record holding `seq`, if it is still cached. */
  at(seq: number): { record: LogRecord; offset: number } | undefined {
    const oldest = this.#records[this.#head];
    if (oldest === undefined || seq < oldest.firstSeq) return undefined;
    return findRecord(this.#records as readonly LogRecord[], this.#head, seq);
  }

  /** Drops every record (the next one added starts a new run). */
  clear(): void {
    this.#records = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  /** Drops records every reader has passed (those ending at or before `seq`). */
  dropBelow(seq: number): void {
    for (let oldest = this.#records[this.#head]; oldest !== undefined && oldest.firstSeq + oldest.lines.length <= seq; oldest = this.#records[this.#head]) this.#evictOne();
  }

  #evictOne(): void {
    const record = this.#records[this.#head] as LogRecord;
    this.#bytes -= record.bytes;
    this.#records[this.#head] = undefined;
    this.#head++;
    // Compact now and then so the array does not keep a long dead prefix.
    if (this.#head > 1024 && this.#head * 2 > this.#records.length) {
      this.#records.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
