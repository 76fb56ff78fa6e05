import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { renderHtml, renderReport, verificationRecord, verifyArchive } from '@ferry/verify';
import { EXIT } from '../exit-codes.js';
import { version } from '../version.js';

export interface VerifyCommandOptions {
  readonly secretFile?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  readonly json?: boolean;
  /** Also write the report as a self-contained HTML page to this file. */
  readonly report?: string;
  /** Records awaiting their block's seal fail the check (an archive no collector writes to any more). */
  readonly sealed?: boolean;
}

/**
 * `ferry verify <directory | s3://bucket/prefix>`: exit 0 only when every chain holds and
 * nothing is missing. The secret of HMAC chains comes from FERRY_VERIFY_SECRET or a file,
 * never from the command line (where other users and shell history would see it).
 */
export async function verify(source: string, options: VerifyCommandOptions): Promise<number> {
  let secret = process.env.FERRY_VERIFY_SECRET;
  if (options.secretFile !== undefined) {
    try {
      secret = (await readFile(options.secretFile, 'utf8')).trim();
    } catch (error) {
      process.stderr.write(`ferry: cannot read the secret file ${options.secretFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return EXIT.invalidConfig;
    }
  }
  const checkedAt = new Date();
  const report = await verifyArchive(source, {
    ...(secret ? { secret } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.forcePathStyle ? { forcePathStyle: true } : {}),
    ...(options.sealed ? { requireSealed: true } : {}),
  });
  // When, by which Ferry and with which key (its fingerprint, never the key): for the JSON and the page.
  const record = verificationRecord(report, { checkedAt, ferryVersion: version, secret: secret || undefined });
  if (options.report !== undefined) {
    try {
      await writeFile(options.report, renderHtml(record));
    } catch (error) {
      process.stderr.write(`ferry: cannot write the report ${resolve(options.report)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return EXIT.failure;
    }
  }
  process.stdout.write(options.json ? `${JSON.stringify(record, null, 2)}\n` : renderReport(report));
  if (options.report !== undefined && !options.json) process.stdout.write(`report written to ${resolve(options.report)}\n`);
  return report.ok ? EXIT.ok : EXIT.failure;
}
