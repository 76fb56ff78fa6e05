import { Command, Option } from 'commander';
import { EXIT } from './exit-codes.js';
import { run } from './commands/run.js';
import { validate } from './commands/validate.js';
import { components } from './commands/components.js';
import { schema } from './commands/schema.js';
import { dlqList, dlqReplay } from './commands/dlq.js';
import { verify, type VerifyCommandOptions } from './commands/verify.js';

const DEFAULT_CONFIG = 'collector.config.json';

function configOption(): Option {
  return new Option('-c, --config <file>', 'the collector config (JSON)').default(DEFAULT_CONFIG);
}

async function exitWith(status: Promise<number>): Promise<void> {
  process.exitCode = await status;
}

const program = new Command('ferry')
  .description('Ferry moves authorization and audit events to where they must be kept, searched and alerted on, without losing one.')
  .version('0.1.0')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(`ferry: ${text.replace(/^error: /, '')}`) })
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.invalidConfig);
  });

program
  .command('run', { isDefault: true })
  .description('run the collector until SIGTERM/SIGINT (the default command)')
  .addOption(configOption())
  .action((options: { config: string }) => exitWith(run(options)));

program
  .command('validate')
  .description('check a config without starting anything: exit 0 when valid, 2 with every problem when not')
  .addOption(configOption())
  .action((options: { config: string }) => exitWith(validate(options)));

program
  .command('components')
  .description('list every installed receiver, processor and exporter with its package, version and stability')
  .option('--json', 'print JSON instead of a table')
  .action((options: { json?: boolean }) => exitWith(components(options)));

program
  .command('schema')
  .description('print the JSON Schema of the config for every installed component (point "$schema" at it)')
  .option('-c, --config <file>', 'also include the plugins this config lists')
  .action((options: { config?: string }) => exitWith(schema(options)));

program
  .command('verify')
  .description('check an archive Ferry wrote (a directory or s3://bucket/prefix): every hash chain, gaps, duplicates, counts per day; exit 0 only when every chain holds')
  .argument('<source>', 'a directory (the file exporter\'s) or s3://bucket/prefix')
  .option('--secret-file <path>', 'the secret of HMAC chains (or set FERRY_VERIFY_SECRET); never given on the command line')
  .option('--region <region>', 'S3 region (default AWS_REGION or us-east-1)')
  .option('--endpoint <url>', 'an S3-compatible endpoint (MinIO, R2, B2)')
  .option('--force-path-style', 'address the bucket as <endpoint>/<bucket>')
  .option('--json', 'print the report as JSON')
  .action((source: string, options: VerifyCommandOptions) => exitWith(verify(source, options)));

const dlq = program.command('dlq').description('dead letters: events an exporter could never deliver, kept on disk with the reason');
dlq
  .command('list')
  .description('per exporter: how many events were dead-lettered, why, and since when')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .action((options: { config: string; json?: boolean }) => exitWith(dlqList(options)));
dlq
  .command('replay')
  .description('send dead letters again through their exporter (stop the collector first); what fails again stays dead-lettered')
  .addOption(configOption())
  .option('-e, --exporter <id>', 'only this exporter')
  .option('--timeout <seconds>', 'how long to keep retrying a failing destination before putting the rest back', '300')
  .action((options: { config: string; exporter?: string; timeout: string }) => exitWith(dlqReplay(options)));

program.addHelpText(
  'after',
  `
Exit status: 0 ok; 1 a component failed, no receiver could work, events were lost at
shutdown, or (verify) a chain does not hold; 2 the config (or the command line) is invalid;
130 a second signal stopped it at once.

Examples:
  ferry                                   run ./${DEFAULT_CONFIG}
  ferry validate --config prod.json       check a config
  ferry schema > ferry.schema.json        then "$schema": "./ferry.schema.json" in the config`,
);

// `ferry components | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

await program.parseAsync(process.argv);
