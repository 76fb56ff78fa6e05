import { closeSync, openSync, writeSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { FerryEvent } from '@ferry/sdk';
import { EVENT_TYPES } from './catalog.js';
import type { GeneratorFaults } from './options.js';
import { startGenerator } from './server.js';
import { deliverWebhooks } from './webhooks.js';

function integer(min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}, got "${value}"`);
    return parsed;
  };
}
const list = (value: string): string[] => value.split(',').map((item) => item.trim()).filter(Boolean);
const statuses = (value: string): number[] =>
  list(value).map((item) => {
    const status = Number(item);
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new InvalidArgumentError(`"${item}" is not an HTTP status`);
    return status;
  });

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const onStop = (stop: () => Promise<void>): void => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop());
};

const program = new Command('ferry-generator')
  .description('A Grantex-compatible event generator for trying Ferry out, tests and benchmarks: the SSE stream, and the same events as signed webhooks.')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Examples:
  ferry-generator serve --api-key demo --rate 200
  ferry-generator serve --api-key demo --mode pull --total 100000 --seed 1 --record sent.ndjson
  ferry-generator webhook --url http://127.0.0.1:8788/webhooks/grantex --secret whsec_x --total 1000

Event types: ${EVENT_TYPES.join(', ')}`,
  );

interface ServeOptions {
  host: string;
  port: number;
  apiKey: string;
  mode: 'broadcast' | 'pull';
  rate?: number;
  connectedComment?: boolean;
  total?: number;
  seed?: number;
  types?: string[];
  record?: string;
  keepaliveMs: number;
  maxConnections: number;
  lineEnding?: GeneratorFaults['lineEnding'];
  split?: GeneratorFaults['split'];
  multilineData?: boolean;
  comments?: boolean;
  ids?: boolean;
  retryField?: number;
  malformedEvery?: number;
  dropAfter?: number;
  stallAfter?: number;
  responses?: number[];
}

program
  .command('serve')
  .description('serve GET /v1/events/stream as Grantex does (bearer key, ?types= filter, keepalives, 429 past the connection limit)')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on (0: any free port)', integer(0), 7700)
  .addOption(new Option('--api-key <key>', 'the bearer token clients must send').env('GRANTEX_API_KEY').makeOptionMandatory())
  .addOption(new Option('--mode <mode>', 'broadcast: one timeline written to every open stream, as Grantex does (no replay); pull: each stream gets its own events, as fast as it reads').choices(['broadcast', 'pull']).default('broadcast'))
  .option('--rate <n>', 'broadcast mode: events per second on the timeline (default 50)', integer(0))
  .option('--connected-comment', 'write ": connected" as soon as a stream opens, sending the response head at once (Grantex waits for the first event or keepalive; the default in pull mode)')
  .option('--total <n>', 'stop producing after this many events (streams stay open with keepalives)', integer(0))
  .option('--seed <n>', 'make the events deterministic', integer(0))
  .option('--types <a,b>', 'produce only these event types', list)
  .option('--record <file>', 'write every delivered event to this NDJSON file, in write order')
  .option('--keepalive-ms <ms>', 'interval of ": keepalive" comments', integer(1), 30_000)
  .option('--max-connections <n>', 'concurrent streams allowed before 429', integer(1), 5)
  .addOption(new Option('--line-ending <kind>', 'fault: line endings').choices(['lf', 'crlf', 'cr', 'mixed']))
  .addOption(new Option('--split <mode>', 'fault: how writes are cut').choices(['none', 'random', 'bytes']))
  .option('--multiline-data', 'fault: pretty-print each event over several data: lines')
  .option('--comments', 'fault: comment lines between and inside events')
  .option('--ids', 'fault: send id: fields (Grantex does not)')
  .option('--retry-field <ms>', 'fault: send a retry: field at the start of each stream', integer(0))
  .option('--malformed-every <n>', 'fault: every Nth message is malformed', integer(1))
  .option('--drop-after <n>', 'fault: per connection, after N events write half of the next and close', integer(0))
  .option('--stall-after <n>', 'fault: per connection, after N events go silent with the socket open', integer(0))
  .option('--responses <codes>', 'fault: statuses answered to the first connection attempts, e.g. 503,429,401', statuses)
  .action(async (o: ServeOptions, command: Command) => {
    if (o.mode === 'pull' && o.rate !== undefined) command.error('error: --rate is for broadcast mode; pull mode serves each stream as fast as it reads');
    // The CLI has no way to publish by hand, so a broadcast timeline without a rate would stay silent.
    if (o.mode === 'broadcast' && o.rate === 0) command.error('error: --rate 0 would publish nothing in broadcast mode; for each stream its own events as fast as it reads, use --mode pull');
    const rate = o.mode === 'pull' ? 0 : (o.rate ?? 50);
    const faults: GeneratorFaults = {
      ...(o.lineEnding ? { lineEnding: o.lineEnding } : {}),
      ...(o.split ? { split: o.split } : {}),
      ...(o.multilineData ? { multilineData: true } : {}),
      ...(o.comments ? { comments: true } : {}),
      ...(o.ids ? { ids: true } : {}),
      ...(o.retryField !== undefined ? { retryField: o.retryField } : {}),
      ...(o.malformedEvery !== undefined ? { malformedEvery: o.malformedEvery } : {}),
      ...(o.dropAfter !== undefined ? { dropAfter: o.dropAfter } : {}),
      ...(o.stallAfter !== undefined ? { stallAfter: o.stallAfter } : {}),
      ...(o.responses ? { responses: o.responses } : {}),
    };
    // Written synchronously as each write to a client happens, so the record is complete whenever the process stops.
    const record = o.record === undefined ? undefined : openSync(o.record, 'a');
    const onDelivered = record === undefined ? undefined : (events: readonly FerryEvent[]) => void writeSync(record, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    const server = await startGenerator({
      host: o.host,
      port: o.port,
      apiKey: o.apiKey,
      mode: o.mode,
      rate,
      ...(o.connectedComment ? { connectedComment: true } : {}),
      keepaliveMs: o.keepaliveMs,
      maxConnections: o.maxConnections,
      faults,
      // A long-running server must not keep every event in memory.
      keepDelivered: false,
      ...(o.total !== undefined ? { total: o.total } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.types ? { types: o.types } : {}),
      ...(onDelivered ? { onDelivered } : {}),
    });
    say(`generator: serving Grantex SSE on ${server.url}`);
    say(`generator: GET ${server.url}/v1/events/stream, ${rate > 0 ? `${rate} events/s written to every open stream` : 'as fast as each client reads'}${o.total !== undefined ? `, ${o.total} events in all` : ''}`);
    onStop(async () => {
      await server.close();
      if (record !== undefined) closeSync(record);
      say(`generator: stopped after delivering ${server.deliveredCount} events (${server.malformedSent} malformed, ${server.missed} missed) over ${server.connections} connection attempts`);
      process.exit(0);
    });
  });

interface WebhookCliOptions {
  url: string;
  secret: string;
  total: number;
  rate: number;
  concurrency: number;
  seed?: number;
  types?: string[];
  legacySignature?: boolean;
  timeoutMs: number;
}

program
  .command('webhook')
  .description('deliver events as signed Grantex webhooks, each retried until a 2xx acknowledges it')
  .requiredOption('--url <url>', 'the webhook endpoint')
  .addOption(new Option('--secret <secret>', 'the signing secret').env('GRANTEX_WEBHOOK_SECRET').makeOptionMandatory())
  .requiredOption('--total <n>', 'how many events to deliver', integer(0))
  .option('--rate <n>', 'deliveries started per second (0: as fast as acknowledged)', integer(0), 0)
  .option('--concurrency <n>', 'deliveries in flight at once', integer(1), 4)
  .option('--seed <n>', 'make the events deterministic', integer(0))
  .option('--types <a,b>', 'deliver only these event types', list)
  .option('--legacy-signature', 'also send the deprecated body-only X-Grantex-Signature')
  .option('--timeout-ms <ms>', 'time limit of one attempt', integer(1), 10_000)
  .action(async (o: WebhookCliOptions) => {
    const run = deliverWebhooks({
      url: o.url,
      secret: o.secret,
      total: o.total,
      rate: o.rate,
      concurrency: o.concurrency,
      requestTimeoutMs: o.timeoutMs,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.types ? { types: o.types } : {}),
      ...(o.legacySignature ? { legacySignature: true } : {}),
    });
    onStop(() => run.stop());
    await run.done;
    const answers = [...run.statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status === 0 ? 'no answer' : status}: ${n}`);
    say(`webhooks: ${run.acknowledged.length} of ${o.total} acknowledged in ${run.attempts} attempts (${answers.join(', ') || 'none'})`);
    process.exitCode = run.acknowledged.length === o.total ? 0 : 1;
  });

await program.parseAsync(process.argv);
