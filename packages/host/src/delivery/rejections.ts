import type { ExportResult, RejectedEvent } from '@ferry/sdk';

/** An exporter answered with per-event outcomes that do not fit its batch: its bug, never a reason to count or drop anything. */
export class RejectionsOutOfRange extends Error {
  override readonly name = 'RejectionsOutOfRange';
}

/**
 * The rejected events of an export result, checked against the batch: each index an
 * integer of the batch, none twice. A result that fails this is thrown as an error, so
 * the attempt counts as failed and the whole batch is tried again — nothing is counted
 * delivered or dead-lettered on the word of an answer that cannot be right.
 */
export function checkedRejections(result: ExportResult | void, count: number): readonly RejectedEvent[] {
  const rejected = result?.rejected ?? [];
  const seen = new Set<number>();
  for (const { index, error } of rejected) {
    if (!Number.isInteger(index) || index < 0 || index >= count) throw new RejectionsOutOfRange(`the exporter rejected event ${String(index)} of a batch of ${count}: an exporter bug; the batch is tried again`);
    if (seen.has(index)) throw new RejectionsOutOfRange(`the exporter rejected event ${index} twice: an exporter bug; the batch is tried again`);
    if (!(error instanceof Error)) throw new RejectionsOutOfRange(`the exporter rejected event ${index} without an error: an exporter bug; the batch is tried again`);
    seen.add(index);
  }
  return rejected;
}
