import type { ComponentContext, ComponentKind, DeliveryProgress, ExporterContext, Logger } from '@ferry/sdk';
import type { ComponentRecorder } from '../telemetry/metrics.js';

export interface ContextInput {
  readonly kind: ComponentKind;
  readonly id: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly logger: Logger;
  readonly recorder: ComponentRecorder;
  readonly storageDirectory: string | undefined;
  readonly signal: AbortSignal;
  readonly onError: (error: Error) => void;
}

export function componentContext(input: ContextInput): ComponentContext<Readonly<Record<string, unknown>>> {
  return {
    id: input.id,
    config: input.config,
    logger: input.logger,
    telemetry: input.recorder,
    storage: input.storageDirectory === undefined ? undefined : { directory: input.storageDirectory },
    signal: input.signal,
    reportError: (error) => {
      // The status board hears of it first, so /status says so by the time the log line is out.
      input.recorder.reported(error);
      input.onError(error);
    },
  };
}

export function exporterContext(input: ContextInput, progress: DeliveryProgress): ExporterContext<Readonly<Record<string, unknown>>> {
  return { ...componentContext(input), progress };
}

/** A component id as a directory name (`filter/security` → `filter~security`). */
export function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '~');
}

export function label(kind: ComponentKind, id: string): string {
  return `${kind} "${id}"`;
}
