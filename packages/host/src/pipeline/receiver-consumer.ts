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

  async consume(events: readonly FerryEvent[], options?: ConsumeOptions): Promise<void> {
    if (events.length === 0) return;
    let stored: ReadonlyArray<readonly string[]>;
    try {
      if (this.#targets.length === 1) stored = [await (this.#targets[0] as PipelineIngest).consume(events, options)];
      else stored = await Promise.all(this.#targets.map((target) => target.consume(events, options)));
    } catch (error) {
      this.#recorder.add('refused', events.length);
      throw error;
    }
    this.#recorder.add('accepted', events.length);
    if (this.#recorder.tapped) this.#targets.forEach((target, i) => this.#recorder.tap(target.name, stored[i] ?? []));
  }
}
