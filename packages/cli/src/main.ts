import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { EXIT } from './exit-codes.js';
import { withDefaultCommand } from './default-command.js';
import type { VerifyCommandOptions } from './commands/verify.js';
import type { TopCommandOptions } from './commands/top.js';
import type { TapCommandOptions } from './commands/tap.js';

// Each command's module is imported only when that command runs: `--help`, `--version` and
// `verify` never pay for loading the host and every installed plugin.

const DEFAULT_CONFIG = 'collector.config.json';
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function configOption(): Option {
  return new Option('-c, --config <file>', 'the collector config (JSON); relative paths in it are read from its folder').default(DEFAULT_CONFIG);
}

async function exitWith(status: Promise<number>): Promise<void> {
  process.exitCode = await status;
}

const program = new Command('ferry')
  .description('Ferry moves authorization and audit events to where they must be kept, searched and alerted on, without losing one.')
  .version(version)
  .showSuggestionAfterError()
  .showHelpAfterError("(run 'ferry --help' for the commands and their options)")
  .configureOutput({ outputError: (text, write) => write(`ferry: ${text.replace(/^error: /, '')}`) })
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.invalidConfig);
  });

program
  .command('run')
  .description('run the collector until SIGTERM/SIGINT (the default command); SIGHUP reloads the config')
  .addOption(configOption())
  .option('-w, --watch', 'reload the config whenever its file changes (as SIGHUP does)')
  .action(async (options: { config: string; watch?: boolean }) => exitWith((await import('./commands/run.js')).run(options)));

program
  .command('validate')
  .description('check a config without starting anything: exit 0 when valid, 2 with every problem when not (unset environment variables are warnings)')
  .addOption(configOption())
  .action(async (options: { config: string }) => exitWith((await import('./commands/validate.js')).validate(options)));

program
  .command('components')
  .description('list every installed receiver, processor and exporter with its package, version and stability')
  .option('--json', 'print JSON instead of a table')
  .action(async (options: { json?: boolean }) => exitWith((await import('./commands/components.js')).components(options)));

program
  .command('schema')
  .description('print the JSON Schema of the config for every installed component (point "$schema" at it)')
  .option('-c, --config <file>', 'also include the plugins this config lists')
  .action(async (options: { config?: string }) => exitWith((await import('./commands/schema.js')).schema(options)));

program
  .command('verify')
  .description('check an archive Ferry wrote (a directory or s3://bucket/prefix): every hash chain, gaps, duplicates, counts per day; exit 0 only when every chain holds')
  .argument('<source>', 'a directory (the file exporter\'s) or s3://bucket/prefix')
  .option('--secret-file <path>', 'the secret of HMAC chains (or set FERRY_VERIFY_SECRET); never given on the command line')
  .option('--region <region>', 'S3 region (default AWS_REGION or us-east-1)')
  .option('--endpoint <url>', 'an S3-compatible endpoint (MinIO, R2, B2)')
  .option('--force-path-style', 'address the bucket as <endpoint>/<bucket>')
  .option('--json', 'print the report as JSON')
  .option('--report <file>', 'also write the report as a self-contained HTML page, for auditors')
  .option('--sealed', 'fail when records at the end of a chain still await their block\'s seal (for an archive no collector writes to any more; without it they are listed, not counted as verified)')
  .action(async (source: string, options: VerifyCommandOptions) => exitWith((await import('./commands/verify.js')).verify(source, options)));

program
  .command('new')
  .description('write a new plugin package (receiver, processor or exporter) that builds, passes the SDK conformance kit and documents its options: the same as npm create ferry-plugin')
  .argument('<kind>', 'receiver, processor or exporter')
  .argument('<name>', 'its component type, such as acme_logs (the package is ferry-<kind>-acme-logs)')
  .option('-d, --dir <folder>', 'where to write it (default: ./ferry-<kind>-<name>)')
  .option('--sdk <range or tarball>', 'the @ferry/sdk dependency: a version range, or a packed tarball while Ferry is not on the npm registry')
  .action(async (kind: string, name: string, options: { dir?: string; sdk?: string }) => exitWith((await import('./commands/new.js')).newPlugin(kind, name, options)));

const dlq = program.command('dlq').description('dead letters: events an exporter could never deliver, kept on disk with the reason');
dlq
  .command('list')
  .description('per exporter: how many events were dead-lettered, why, and since when')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .action(async (options: { config: string; json?: boolean }) => exitWith((await import('./commands/dlq.js')).dlqList(options)));
dlq
  .command('replay')
  .description('send dead letters again through their exporter (stop the collector first); what fails again stays dead-lettered')
  .addOption(configOption())
  .option('-e, --exporter <id>', 'only this exporter')
  .option('--timeout <seconds>', 'how long to keep retrying a failing destination before putting the rest back', '300')
  .action(async (options: { config: string; exporter?: string; timeout: string }) => exitWith((await import('./commands/dlq.js')).dlqReplay(options)));

const telemetryServer = (command: Command) =>
  command
    .option('-a, --address <host:port>', 'the telemetry server of the running Ferry (default FERRY_TELEMETRY_ADDRESS or 127.0.0.1:8888)')
    .option('--token-file <path>', 'a file holding service.telemetry.authToken (or set FERRY_TELEMETRY_TOKEN)');

telemetryServer(program.command('top'))
  .description("a running Ferry's figures in the terminal, refreshed in place: rates, queues, lag, retries, dead letters (q to quit)")
  .option('-i, --interval <ms>', 'refresh every this many milliseconds', '1000')
  .action(async (options: TopCommandOptions) => exitWith((await import('./commands/top.js')).top(options)));

telemetryServer(program.command('tap'))
  .description('print a sample of the events passing a component of a running Ferry, as JSON lines, as stored (after redact)')
  .argument('<component>', 'a component id (`exporter:file`, `receiver:grantex`, `processor:redact`, or the bare id when unambiguous)')
  .option('-l, --limit <n>', 'most events shown per interval', '100')
  .option('-i, --interval <ms>', 'the sampling interval in milliseconds', '500')
  .option('-n, --count <n>', 'exit after this many events')
  .action(async (component: string, options: TapCommandOptions) => exitWith((await import('./commands/tap.js')).tap(component, options)));

program.addHelpText(
  'after',
  `
Exit status: 0 ok; 1 a component failed, no receiver could work, events were lost at
shutdown, or (verify) a chain does not hold; 2 the config (or the command line) is invalid;
130 a second signal stopped it at once.

Examples:
  ferry                                   run ./${DEFAULT_CONFIG}
  ferry --config prod.json                run prod.json (the same as ferry run --config prod.json)
  ferry validate --config prod.json       check a config
  ferry schema > ferry.schema.json        then "$schema": "./ferry.schema.json" in the config
  ferry new exporter acme_logs            write a plugin package to start from`,
);

// `ferry components | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

await program.parseAsync(withDefaultCommand(process.argv), { from: 'node' });
