import { readFile } from 'node:fs/promises';
import { renderReport, verifyArchive } from '@ferry/verify';
import { EXIT } from '../exit-codes.js';

export interface VerifyCommandOptions {
  readonly secretFile?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  readonly json?: boolean;
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
  const report = await verifyArchive(source, {
    ...(secret ? { secret } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.forcePathStyle ? { forcePathStyle: true } : {}),
  });
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
  return report.ok ? EXIT.ok : EXIT.failure;
}
