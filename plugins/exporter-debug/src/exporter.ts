import type { Batch, Exporter, Logger } from '@ferry/sdk';
import type { DebugConfig } from './config.js';
import { palette, wantsColor, type Palette, type Terminal } from './colors.js';
import { FORMATS } from './format.js';

/** The part of a Writable the exporter uses (process.stdout, or a stream a test passes in). */
export interface Output extends Terminal {
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

export interface DebugOutput {
  readonly stream: Output;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
}

/**
 * Prints each batch with one write. It is a viewer, not a destination of record: a
 * broken stream (a closed pipe) is reported once and otherwise ignored, never retried.
 */
export class DebugExporter implements Exporter {
  readonly #format: (batch: Batch, p: Palette) => string;
  readonly #palette: Palette;
  readonly #output: DebugOutput;
  #warned = false;
  readonly #onError = (error: Error) => this.#warn(error);

  constructor(config: DebugConfig, output: DebugOutput) {
    this.#format = FORMATS[config.verbosity];
    this.#palette = palette(wantsColor(config.color, output.stream, output.env));
    this.#output = output;
  }

  async start(): Promise<void> {
    // Without a listener, an EPIPE on stdout would crash the whole collector.
    this.#output.stream.on('error', this.#onError);
  }

  async shutdown(): Promise<void> {
    this.#output.stream.off('error', this.#onError);
  }

  async export(batch: Batch): Promise<void> {
    const text = this.#format(batch, this.#palette);
    // Waiting for the write keeps memory flat when the reader of a pipe is slow.
    await new Promise<void>((resolve) => {
      try {
        this.#output.stream.write(text, (error) => {
          if (error) this.#warn(error);
          resolve();
        });
      } catch (error) {
        this.#warn(error as Error);
        resolve();
      }
    });
  }

  #warn(error: Error): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#output.logger.warn('the debug exporter cannot print: its output stream failed (other exporters are not affected)', { error: error.message });
  }
}
