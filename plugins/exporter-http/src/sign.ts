import { createHmac } from 'node:crypto';

/**
 * Grantex's webhook signature, with configurable header names: HMAC-SHA256 with the secret
 * over `<unix seconds>.<the body's bytes>`, sent as `sha256=<hex>` beside the timestamp, so
 * a receiver can check both who sent the request and that it is recent (no replay).
 */
export function signatureHeaders(
  body: Buffer,
  secret: string,
  names: { readonly timestampHeader: string; readonly signatureHeader: string },
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const timestamp = String(nowSeconds);
  const digest = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return { [names.timestampHeader]: timestamp, [names.signatureHeader]: `sha256=${digest}` };
}
