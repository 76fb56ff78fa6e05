import type { TObject } from './schema.js';
import type { Component, ReceiverContext } from './component.js';
import { finishDefinition, type ConfigOf, type DefinitionBase, type DefinitionInput } from './definition.js';

/** A receiver takes events from outside and hands them to `ctx.next`. */
export type Receiver = Component;

export interface ReceiverDefinition<Schema extends TObject = TObject> extends DefinitionBase<'receiver', Schema> {
  /** Builds the receiver. Validate here if you must, but do no I/O before `start`. */
  create(ctx: ReceiverContext<ConfigOf<Schema>>): Receiver;
}

export function defineReceiver<Schema extends TObject>(
  definition: DefinitionInput<ReceiverDefinition<Schema>>,
): ReceiverDefinition<Schema> {
  return finishDefinition<'receiver', ReceiverDefinition<Schema>>('receiver', definition);
}
