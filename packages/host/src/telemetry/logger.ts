import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { pino, type Logger as PinoLogger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { Logger } from '@ferry/sdk';
import type { Terminal } from './terminal.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: 'auto' | 'json' | 'pretty';
  readonly terminal: Terminal;
  /** Values that must never appear in a log line (every option marked secret); a `SecretSet` may grow (a reload). */
  readonly secrets?: readonly string[] | SecretSet;
}

/** Secret values to scrub, which a reload may add to: the scrubber follows. */
export class SecretSet {
  readonly #values = new Set<string>();
  #scrub: ((text: string) => string) | undefined;

  constructor(values: readonly string[] = []) {
    this.add(values);
  }

  add(values: readonly string[]): void {
    const before = this.#values.size;
    for (const value of values) this.#values.add(value);
    if (this.#values.size !== before) this.#scrub = undefined;
  }

  scrub(text: string): string {
    this.#scrub ??= createScrubber([...this.#values]);
    return this.#scrub(text);
  }
}

/** Replaces every secret value with `***` in text about to leave the process. */
export function createScrubber(secrets: readonly string[]): (text: string) => string {
  const values = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  const escaped = values.flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]).map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(escaped.join('|'), 'g');
  return (text) => text.replace(pattern, '***');
}

function adapt(logger: PinoLogger): Logger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    child: (fields) => adapt(logger.child(fields)),
  };
}

/**
 * Structured logs on stderr through pino: JSON for machines, a readable line in a
 * terminal. Secret values are scrubbed from every line on its way out.
 */
export function createLogger(options: LoggerOptions): Logger {
  const secrets = options.secrets instanceof SecretSet ? options.secrets : new SecretSet(options.secrets ?? []);
  const write = (text: string) => options.terminal.write(secrets.scrub(text));
  const readable = options.format === 'pretty' || (options.format === 'auto' && options.terminal.isTTY);
  // pino-pretty pipes into its destination, so it needs a real stream.
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      write(chunk.toString());
      done();
    },
  });
  // pino-pretty (thirty modules) is loaded only for a terminal, not for a service's JSON logs.
  const pretty = readable ? (createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty) : undefined;
  const destination = pretty
    ? pretty({ sync: true, colorize: options.terminal.isTTY && !process.env.NO_COLOR, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l', destination: stream })
    : { write };
  const logger = pino({ level: options.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, destination);
  return adapt(logger);
}

/** A logger that drops everything (for library use and tests that do not read logs). */
export function silentLogger(): Logger {
  const logger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => logger };
  return logger;
}
