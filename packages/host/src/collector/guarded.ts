import type { Component } from '@ferry/sdk';

/**
 * Holds the host to the lifecycle contract for one component whatever the component
 * does: start at most once, shutdown at most once (even without start), errors kept.
 */
export class GuardedComponent<C extends Component> {
  readonly label: string;
  readonly instance: C;
  #started: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(label: string, instance: C) {
    this.label = label;
    this.instance = instance;
  }

  get started(): boolean {
    return this.#started !== undefined;
  }

  start(): Promise<void> {
    this.#started ??= Promise.resolve().then(() => this.instance.start?.());
    return this.#started;
  }

  shutdown(): Promise<void> {
    this.#stopped ??= Promise.resolve().then(() => this.instance.shutdown?.());
    return this.#stopped;
  }
}
