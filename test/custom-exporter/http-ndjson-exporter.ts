import { defineExporter, Secret, Type } from '@ferry/sdk';
import { statusError, unreachable } from '@ferry/sdk/http';

/** POSTs each batch as NDJSON; what each answer means (retry, Retry-After, dead letter) is the SDK's. */
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
    const destination = new URL(ctx.config.url).host; // never the path or query, which may hold a token
    return {
      async export(batch, { signal }) {
        let response: Response;
        try {
          response = await fetch(ctx.config.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-ndjson',
              'idempotency-key': batch.id,
              ...(ctx.config.token ? { authorization: `Bearer ${ctx.config.token}` } : {}),
            },
            body: batch.ndjson(),
            signal,
          });
        } catch (error) {
          throw unreachable(destination, error, { signal }); // retried
        }
        await response.body?.cancel();
        // 2xx: delivered. 408/429/5xx: retried, honouring Retry-After. 401/403/404: held until
        // the config is fixed. Any other refusal: the batch is dead-lettered with this message.
        const error = statusError(response.status, `${destination} answered ${response.status}`, { retryAfter: response.headers.get('retry-after') });
        if (error) throw error;
      },
    };
  },
});
