import { defineExporter, PermanentError, RetryableError, Secret, Type } from '@ferry/sdk';

/** POSTs each batch as NDJSON; retries on 429 and 5xx, honouring Retry-After. */
export default defineExporter({
  type: 'http_ndjson',
  description: 'POSTs each batch as NDJSON to an HTTP endpoint.',
  stability: 'alpha',
  configSchema: Type.Object(
    {
      url: Type.String({ format: 'uri', description: 'Where each batch is POSTed.' }),
      token: Type.Optional(Secret({ description: 'Sent as `Authorization: Bearer <token>`.' })),
    },
    { additionalProperties: false },
  ),
  batchDefaults: { batchSize: 500 },
  create(ctx) {
    return {
      async export(batch, { signal }) {
        const response = await fetch(ctx.config.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-ndjson',
            'idempotency-key': batch.id,
            ...(ctx.config.token ? { authorization: `Bearer ${ctx.config.token}` } : {}),
          },
          body: batch.ndjson(),
          signal,
        });
        await response.body?.cancel();
        if (response.ok) return;
        const reason = `${ctx.config.url} answered ${response.status}`;
        if (response.status === 429 || response.status >= 500) {
          const seconds = Number(response.headers.get('retry-after'));
          throw new RetryableError(reason, seconds > 0 ? { retryAfterMs: seconds * 1000 } : {});
        }
        throw new PermanentError(reason);
      },
    };
  },
});
