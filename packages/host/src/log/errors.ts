/**
 * Events are missing from the log and no damage report accounts for them. The log never
 * writes such a gap, so passing it would hide a loss: the cursor stops in front of it.
 */
export class LogGapError extends Error {
  override readonly name = 'LogGapError';
  readonly code = 'FERRY_LOG_GAP';
  readonly from: number;
  readonly to: number;

  constructor(cursor: string, from: number, to: number, where: string) {
    super(
      `events ${from}–${to - 1} (${to - from}) are missing from the log for exporter "${cursor}" (found at ${where}) and no damage report accounts for them: ` +
        'this is a bug in Ferry or the log files were changed outside it. The exporter stops in front of them and keeps its place, so nothing after them is skipped either.',
    );
    this.from = from;
    this.to = to;
  }
}
