import { createHmac } from 'node:crypto';

export interface WebhookHeaders {
  readonly 'x-grantex-timestamp': string;
  readonly 'x-grantex-signature-v2': string;
  readonly 'x-grantex-signature': string;
}

/**
 * Grantex's webhook signatures: v2 is `sha256=` + hex HMAC-SHA256(secret, `<timestamp>.<body>`);
 * the deprecated legacy one signs the body alone.
 */
export function signWebhook(secret: string, body: string, timestampSeconds: number): WebhookHeaders {
  const hmac = (text: string): string => `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`;
  return {
    'x-grantex-timestamp': String(timestampSeconds),
    'x-grantex-signature-v2': hmac(`${timestampSeconds}.${body}`),
    'x-grantex-signature': hmac(body),
  };
}
