import { readFile } from 'node:fs/promises';

/** The environment variable `ferry verify` reads an HMAC chain's secret from. */
export const SECRET_ENV = 'FERRY_VERIFY_SECRET';

/**
 * The secret of HMAC chains, from a file (its content, without the final newline) or else
 * from `FERRY_VERIFY_SECRET` — never from a command-line argument, which other users and
 * shell history would see. Undefined when neither is set. The error for an unreadable file
 * names the file, never its content.
 */
export async function readVerifySecret(options: { readonly secretFile?: string; readonly env?: NodeJS.ProcessEnv } = {}): Promise<string | undefined> {
  if (options.secretFile !== undefined) {
    let text: string;
    try {
      text = await readFile(options.secretFile, 'utf8');
    } catch (error) {
      throw new Error(`cannot read the secret file ${options.secretFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const secret = text.replace(/\r?\n$/, '');
    if (secret === '') throw new Error(`the secret file ${options.secretFile} is empty`);
    return secret;
  }
  const value = (options.env ?? process.env)[SECRET_ENV];
  return value === undefined || value === '' ? undefined : value;
}
