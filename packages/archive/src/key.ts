/**
 * Where a batch lands in an archive. The file and s3 exporters share this layout, so a
 * local archive and a bucket read the same, and `ferry verify` reads both in key order.
 *
 *   daily (default)  {prefix}/2026-03-01/12-00-00.000Z-000000000000000042-3fa9c1d2e4b5.ndjson
 *   hive             {prefix}/dt=2026-03-01/12-00-00.000Z-000000000000000042-3fa9c1d2e4b5.ndjson
 *   flat (the seed)  {prefix}/2026-03-01T12-00-00-000Z-000000000000000042-3fa9c1d2e4b5.ndjson
 *
 * The time is when the batch's first event was durably accepted and the number is its
 * sequence in the pipeline's log, so lexical key order is the order events were accepted;
 * the tail is the start of the batch's content hash. All three come from the batch, never
 * from the time of an attempt, so a retried batch overwrites its own object instead of
 * becoming a second one.
 */
export type KeyLayout = 'daily' | 'hive' | 'flat';
export type Compression = 'none' | 'gzip';

export const KEY_LAYOUTS: readonly KeyLayout[] = ['daily', 'hive', 'flat'];

export interface KeyInput {
  readonly prefix: string;
  readonly layout: KeyLayout;
  readonly compression: Compression;
  /** ms since the epoch: when the first event was accepted. */
  readonly receivedAt: number;
  readonly firstSeq: number;
  /** The batch's content id (hex). */
  readonly batchId: string;
}

export interface ParsedKey {
  readonly day: string;
  readonly receivedAt: number;
  readonly firstSeq: number;
  readonly idPrefix: string;
  readonly compression: Compression;
}

const SEQ_DIGITS = 18;
const ID_CHARS = 12;

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed.length === 0 ? '' : `${trimmed}/`;
}

export function objectExtension(compression: Compression): string {
  return compression === 'gzip' ? '.ndjson.gz' : '.ndjson';
}

export function archiveKey(input: KeyInput): string {
  const iso = new Date(input.receivedAt).toISOString(); // 2026-03-01T12:00:00.000Z
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 23).replace(/:/g, '-'); // 12-00-00.000
  const tail = `${String(input.firstSeq).padStart(SEQ_DIGITS, '0')}-${input.batchId.slice(0, ID_CHARS)}${objectExtension(input.compression)}`;
  const prefix = normalizePrefix(input.prefix);
  switch (input.layout) {
    case 'daily':
      return `${prefix}${day}/${time}Z-${tail}`;
    case 'hive':
      return `${prefix}dt=${day}/${time}Z-${tail}`;
    case 'flat':
      return `${prefix}${day}T${time.replace('.', '-')}Z-${tail}`;
  }
}

const KEY_PATTERN =
  /(?:^|\/)(?:dt=)?(\d{4}-\d{2}-\d{2})(?:\/|T)(\d{2})-(\d{2})-(\d{2})[.-](\d{3})Z-(\d+)-([0-9a-f]+)\.ndjson(\.gz)?$/;

/** Reads back what `archiveKey` put in a key, whatever the layout; undefined for other objects. */
export function parseArchiveKey(key: string): ParsedKey | undefined {
  const match = KEY_PATTERN.exec(key);
  if (match === null) return undefined;
  const [, day, hh, mm, ss, ms, seq, id, gz] = match as unknown as [string, string, string, string, string, string, string, string, string | undefined];
  return {
    day,
    receivedAt: Date.parse(`${day}T${hh}:${mm}:${ss}.${ms}Z`),
    firstSeq: Number(seq),
    idPrefix: id,
    compression: gz ? 'gzip' : 'none',
  };
}
