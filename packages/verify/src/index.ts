/**
 * @ferry/verify — answers an auditor's two questions about an archive Ferry wrote: is
 * anything missing, was anything changed.
 *
 *   const report = await verifyArchive('s3://acme-audit/grantex-events', { secret, region: 'eu-west-1' });
 *   process.stdout.write(renderReport(report));
 *   process.exitCode = report.ok ? 0 : 1;
 */
export { verifyArchive } from './verify.js';
export type { VerifyOptions, VerifyReport, WriterReport, Gap, ChainProblem, Place } from './verify.js';
export { renderReport } from './render.js';
export { archiveEntries } from './sources.js';
export type { ArchiveEntry, S3SourceOptions } from './sources.js';
