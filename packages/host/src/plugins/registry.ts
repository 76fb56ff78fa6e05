import type { ComponentDefinition, ComponentKind } from '@ferry/sdk';
import { byCodeUnits } from '../util/compare.js';

/** Where a definition came from, for `ferry components` and error messages. */
export interface PluginOrigin {
  readonly packageName: string;
  readonly version: string;
  /** Absolute path of the module that was imported. */
  readonly module: string;
  /** Named in the config's `plugins` list (wins over discovered packages). */
  readonly explicit: boolean;
}

export interface RegisteredComponent {
  readonly definition: ComponentDefinition;
  readonly origin: PluginOrigin;
}

/** Every component definition the host can build, by kind and type. */
export class Registry {
  readonly #components = new Map<string, RegisteredComponent>();
  readonly #conflicts = new Map<string, RegisteredComponent[]>();

  add(definition: ComponentDefinition, origin: PluginOrigin): void {
    const key = `${definition.kind}:${definition.type}`;
    const existing = this.#components.get(key);
    if (existing === undefined || (origin.explicit && !existing.origin.explicit)) {
      this.#components.set(key, { definition, origin });
      return;
    }
    if (existing.origin.module === origin.module || existing.origin.explicit) return;
    const list = this.#conflicts.get(key) ?? [existing];
    list.push({ definition, origin });
    this.#conflicts.set(key, list);
  }

  get(kind: ComponentKind, type: string): RegisteredComponent | undefined {
    return this.#components.get(`${kind}:${type}`);
  }

  /** Packages that provide the same kind and type, none of them named in `plugins`. */
  conflictsFor(kind: ComponentKind, type: string): readonly RegisteredComponent[] {
    return this.#conflicts.get(`${kind}:${type}`) ?? [];
  }

  list(kind?: ComponentKind): RegisteredComponent[] {
    const all = [...this.#components.values()];
    const order: Record<ComponentKind, number> = { receiver: 0, processor: 1, exporter: 2 };
    return all
      .filter((c) => kind === undefined || c.definition.kind === kind)
      .sort((a, b) => order[a.definition.kind] - order[b.definition.kind] || byCodeUnits(a.definition.type, b.definition.type));
  }

  types(kind: ComponentKind): string[] {
    return this.list(kind).map((c) => c.definition.type);
  }
}

/** The package an official plugin of this kind and type would be published as. */
export function officialPackageName(kind: ComponentKind, type: string): string {
  return `@ferry/${kind}-${type.replace(/_/g, '-')}`;
}
