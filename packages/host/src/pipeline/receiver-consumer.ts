import type { ConsumeOptions, EventConsumer, FerryEvent } from '@ferry/sdk';
import type { ComponentRecorder } from '../telemetry/metrics.js';
import type { PipelineIngest } from './ingest.js';

/**
 * What a receiver's `ctx.next` is: the entry of every pipeline that lists the receiver.
 * Events count as accepted only once every pipeline has them (durably, with storage).
 */
export class ReceiverConsumer implements EventConsumer {
  readonly #targets: readonly PipelineIngest[];
  readonly #recorder: ComponentRecorder;

  constructor(targets: readonly PipelineIngest[], recorder: ComponentRecorder) {
    this.#targets = targets;
    this.#recorder = recorder;
  }

  consume(events: readonly FerryEvent[], options?: ConsumeOptions): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const stored = this.#targets.length === 1 ? (this.#targets[0] as PipelineIngest).consume(events, options).then(alone) : Promise.all(this.#targets.map((target) => target.consume(events, options)));
    // Only the count waits for the append to be durable, not the events (see PipelineIngest.consume).
    return this.#count(stored, events.length);
  }

  async #count(stored: Promise<ReadonlyArray<readonly string[]>>, events: number): Promise<void> {
    let lines: ReadonlyArray<readonly string[]>;
    try {
      lines = await stored;
    } catch (error) {
      this.#recorder.add('refused', events);
      throw error;
    }
    this.#recorder.add('accepted', events);
    if (this.#recorder.tapped) this.#targets.forEach((target, i) => this.#recorder.tap(target.name, lines[i] ?? []));
  }
}

function alone(lines: readonly string[]): ReadonlyArray<readonly string[]> {
  return [lines];
}
