import { appendFileSync } from 'node:fs';
import { Command } from 'commander';
import { deliverWebhooks, startGenerator } from './index.js';

const program = new Command('ferry-generator').description('A Grantex-compatible event generator: the SSE stream and signed webhooks, for trying Ferry out, tests and benchmarks.');

program
  .command('serve')
  .description('serve GET /v1/events/stream as Grantex does')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port (0: any free one)', '7700')
  .requiredOption('--api-key <key>', 'the bearer token clients must send')
  .option('--rate <n>', 'events per second, shared by every stream (0: as fast as each client reads)', '50')
  .option('--total <n>', 'stop after this many events')
  .option('--seed <n>', 'make the events deterministic')
  .option('--record <file>', 'append every delivered event to this NDJSON file')
  .action(async (o: { host: string; port: string; apiKey: string; rate: string; total?: string; seed?: string; record?: string }) => {
    const server = await startGenerator({
      host: o.host,
      port: Number(o.port),
      apiKey: o.apiKey,
      rate: Number(o.rate),
      ...(o.total ? { total: Number(o.total) } : {}),
      ...(o.seed ? { seed: Number(o.seed) } : {}),
    });
    process.stdout.write(`generator: serving Grantex SSE on ${server.url}\n`);
    let recorded = 0;
    const record = o.record;
    const timer = record
      ? setInterval(() => {
          const fresh = server.delivered.slice(recorded);
          recorded += fresh.length;
          if (fresh.length > 0) appendFileSync(record, fresh.map((e) => `${JSON.stringify(e)}\n`).join(''));
        }, 200)
      : undefined;
    const stop = async () => {
      if (timer) clearInterval(timer);
      await server.close();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
  });

program
  .command('webhook')
  .description('deliver events as signed Grantex webhooks, retried until acknowledged')
  .requiredOption('--url <url>', 'the webhook endpoint')
  .requiredOption('--secret <secret>', 'the signing secret')
  .requiredOption('--total <n>', 'how many events')
  .option('--rate <n>', 'events per second (0: as fast as acknowledged)', '0')
  .option('--concurrency <n>', 'deliveries in flight', '4')
  .action(async (o: { url: string; secret: string; total: string; rate: string; concurrency: string }) => {
    const run = deliverWebhooks({ url: o.url, secret: o.secret, total: Number(o.total), rate: Number(o.rate), concurrency: Number(o.concurrency) });
    await run.done;
    process.stdout.write(`webhooks: ${run.acknowledged.length} acknowledged in ${run.attempts} attempts (${[...run.statuses].map(([s, n]) => `${s || 'network error'}: ${n}`).join(', ')})\n`);
  });

await program.parseAsync(process.argv);
