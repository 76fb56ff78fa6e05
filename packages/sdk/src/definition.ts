import type { Static, TObject } from './schema.js';
import type { ComponentKind, Stability } from './component.js';
import type { ConfigProblem } from './config-problem.js';
import { DEFAULT_SDK_RANGE } from './version.js';

/** What every component definition states about itself. */
export interface DefinitionBase<Kind extends ComponentKind, Schema extends TObject> {
  readonly kind: Kind;
  /** The type name used in component ids (`s3` in `s3/archive`): lower case, digits, `_`. */
  readonly type: string;
  /** One sentence for `ferry components` and the generated docs. */
  readonly description: string;
  readonly stability: Stability;
  /** The options, as a TypeBox object schema: validator, TypeScript type and docs in one. */
  readonly configSchema: Schema;
  /** The semver range of the SDK this plugin was built for, checked when it is loaded. */
  readonly sdkVersion: string;
  /**
   * Checks what the schema cannot say (a pattern that must compile, options that only work
   * together) and returns every problem, `[]` when there is none. Pure: no I/O, no clock,
   * no environment, the same answer every time — I/O belongs in `start`. `ferry validate`,
   * `ferry run` and a reload call it on options the schema accepted, defaults filled and
   * file paths made absolute, before anything is created, so `create` may rely on it
   * instead of throwing. Without one, a definition accepts whatever its schema accepts.
   */
  validate(config: Readonly<ConfigOf<Schema>>): readonly ConfigProblem[];
}

export type DefinitionInput<D> = Omit<D, 'kind' | 'sdkVersion' | 'validate'> & {
  readonly sdkVersion?: string;
  readonly validate?: D extends DefinitionBase<ComponentKind, infer S> ? (config: Readonly<ConfigOf<S>>) => readonly ConfigProblem[] : never;
};

export type ConfigOf<Schema extends TObject> = Static<Schema>;

const TYPE_NAME = /^[a-z][a-z0-9_]*$/;

const acceptsAll = (): readonly ConfigProblem[] => [];

export function finishDefinition<Kind extends ComponentKind, D extends DefinitionBase<Kind, TObject>>(
  kind: Kind,
  input: DefinitionInput<D>,
): D {
  if (!TYPE_NAME.test(input.type)) {
    throw new TypeError(`component type "${input.type}" must match ${TYPE_NAME} (lower case letters, digits, _)`);
  }
  if (input.configSchema.type !== 'object') {
    throw new TypeError(`component type "${input.type}": configSchema must be an object schema (Type.Object)`);
  }
  return Object.freeze({ validate: acceptsAll, ...input, kind, sdkVersion: input.sdkVersion ?? DEFAULT_SDK_RANGE }) as unknown as D;
}
