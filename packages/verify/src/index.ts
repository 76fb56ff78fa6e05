/**
 * @ferry/verify — answers an auditor's two questions about an archive Ferry wrote: is
 * anything missing, and was anything changed?
 *
 *   import { readVerifySecret, renderReport, verifyArchive } from '@ferry/verify';
 *
 *   const secret = await readVerifySecret({ secretFile });       // or FERRY_VERIFY_SECRET
 *   const report = await verifyArchive('s3://acme-audit/grantex-events', { secret, region: 'eu-west-1' });
 *   process.stdout.write(renderReport(report));                   // or JSON.stringify(report)
 *   process.exitCode = report.ok ? 0 : 1;
 *
 * `source` is a directory (the file exporter's) or `s3://bucket/prefix` (with `region`,
 * `endpoint`, `forcePathStyle`, `credentials` as in the s3 exporter). Every object whose key
 * is in Ferry's archive layout is read in key order — gzip or not, across objects and days —
 * as a stream; per writer only the last link and a window of recent ones are kept.
 *
 * The report (`VerifyReport`) says, per writer (`writers[]`): the records verified, the
 * first broken link and up to 100 problems with object key and line (`modified`,
 * `unlinked`, `reordered`, `conflict` for an inserted record, …), gaps in the sequence
 * numbers with the records around them (deleted records or objects), duplicates identical
 * to their original (at-least-once delivery, not tampering), and new chain epochs (a
 * collector restarted without storage). For the archive: objects that cannot be read to
 * their end (`damaged`, with the line a truncated gzip ends in), records without a link,
 * and records per UTC day of `createdAt`. `ok` is true only when every chain holds.
 *
 * Options: `secret` (HMAC chains; take it from `readVerifySecret`, never from a command-line
 * argument), `writers` (the expected writer ids: any other fails, a missing one fails),
 * `allowMissingStart` (verify a sub-prefix, such as one day, or an archive whose oldest
 * objects expired), `duplicateWindow` (default 100,000 links per writer), `signal`.
 *
 * It rejects (with a SourceError naming the directory or bucket) only when the archive
 * cannot be listed at all; everything found in it is in the report.
 */
export { verifyArchive } from './verify.js';
export type { VerifyOptions } from './verify.js';
export type { VerifyReport, WriterReport, Gap, Epoch, Unsealed, ChainProblem, ProblemKind, Damage, Place } from './report.js';
export { renderReport } from './render.js';
export { renderHtml } from './html.js';
export { verificationRecord, keyFingerprint } from './certificate.js';
export type { VerificationRecord } from './certificate.js';
export { readVerifySecret, SECRET_ENV } from './secret.js';
export { archiveEntries, parseS3Url, SourceError } from './sources.js';
export type { ArchiveEntry, S3SourceOptions } from './sources.js';
