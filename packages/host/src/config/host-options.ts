import { compileConfigSchema, type Static, type TObject, type ValidateFunction } from '@ferry/sdk';

/** A component's options split into the plugin's own and those the host keeps for itself. */
export interface SplitOptions<Host> {
  /** What the plugin sees (its `ctx.config`). */
  readonly own: Record<string, unknown>;
  /** The host's options, typed by their schema (an exporter's delivery, a receiver's leaderElection). */
  readonly host: Host;
}

/**
 * Splits a component's validated options by the host's schema for them: the names are the
 * schema's properties (no list to keep in step), and the host's part is checked against
 * it once more, which fills its defaults and gives it its type without a cast.
 */
export function hostOptionSplitter<Schema extends TObject>(schema: Schema): (options: Readonly<Record<string, unknown>>) => SplitOptions<Static<Schema>> {
  const names = new Set(Object.keys(schema.properties));
  let check: ValidateFunction<Static<Schema>> | undefined;
  return (options) => {
    check ??= compileConfigSchema<Static<Schema>>(schema);
    const own: Record<string, unknown> = {};
    const host: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(options)) {
      // The host's part is copied: filling its defaults must not write into the (frozen) config.
      if (names.has(name)) host[name] = structuredClone(value);
      else own[name] = value;
    }
    // The whole config passed the composed schema, which holds this one: failing here is a host bug.
    if (!check(host)) throw new Error(`host options out of step with their schema: ${(check.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? e.keyword}`).join('; ')}`);
    return { own, host };
  };
}
