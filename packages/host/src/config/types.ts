import type { Registry } from '../plugins/registry.js';

export type ComponentConfig = Readonly<Record<string, unknown>>;

export interface PipelineConfig {
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

export interface StorageConfig {
  readonly directory: string;
  readonly fsync: 'batch' | 'interval';
  readonly fsyncIntervalMs: number;
  readonly maxBytes: number;
  readonly cacheBytes: number;
  readonly segmentBytes: number;
}

export interface TelemetryConfig {
  readonly logs: { readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly format: 'auto' | 'json' | 'pretty' };
  readonly progress: 'auto' | 'always' | 'never';
  /** `host:port` of the telemetry server; unset means the default (a taken port only warns), `null` off. */
  readonly address?: string | null;
  readonly authToken?: string;
  readonly recoveryDurationMs: number;
}

/** A config after substitution, validation and defaults: what the collector is built from (frozen). */
export interface ResolvedConfig {
  readonly plugins: readonly string[];
  readonly storage: StorageConfig | undefined;
  readonly receivers: Readonly<Record<string, ComponentConfig>>;
  readonly processors: Readonly<Record<string, ComponentConfig>>;
  readonly exporters: Readonly<Record<string, ComponentConfig>>;
  readonly service: {
    readonly pipelines: Readonly<Record<string, PipelineConfig>>;
    readonly telemetry: TelemetryConfig;
    readonly shutdownTimeoutMs: number;
    /** Without storage: bound of each pipeline's in-memory log (bytes of events). */
    readonly memoryMaxBytes: number;
  };
}

export interface LoadedConfig {
  /** Absolute path of the config file. */
  readonly source: string;
  readonly config: ResolvedConfig;
  readonly registry: Registry;
  /** Values of every option marked secret, to be scrubbed from any output. */
  readonly secrets: readonly string[];
  /** Things that work but are probably not what was meant (unused components, broken unused plugins). */
  readonly warnings: readonly string[];
}

export function typeOf(id: string): string {
  const slash = id.indexOf('/');
  return slash === -1 ? id : id.slice(0, slash);
}
