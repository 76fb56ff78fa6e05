import { SECRET_KEYWORD } from '@ferry/sdk';

interface SchemaNode {
  readonly properties?: Record<string, SchemaNode>;
  readonly items?: SchemaNode;
  /** A map's values (`headers: { name: Secret() }`). */
  readonly additionalProperties?: SchemaNode | boolean;
  readonly [SECRET_KEYWORD]?: boolean;
}

/** Every string the schema marks secret inside a component's config. */
export function secretValues(schemaObject: object, value: unknown, found: string[] = []): string[] {
  const schema = schemaObject as SchemaNode;
  if (schema[SECRET_KEYWORD] === true && typeof value === 'string' && value.length > 0) found.push(value);
  if (Array.isArray(value) && schema.items) for (const item of value) secretValues(schema.items, item, found);
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && schema.properties) {
    for (const [name, child] of Object.entries(schema.properties)) secretValues(child, (value as Record<string, unknown>)[name], found);
  }
  const values = schema.additionalProperties;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof values === 'object') {
    for (const [name, child] of Object.entries(value)) if (schema.properties?.[name] === undefined) secretValues(values, child, found);
  }
  return found;
}

const SECRET_LOOKING_KEY = /("(?:[A-Za-z_]*(?:api_?key|secret|token|password|credential)[A-Za-z_]*)"\s*:\s*")((?:[^"\\]|\\.)*)"/gi;

/**
 * Masks values of secret-looking keys in raw config text (for a JSON syntax error's
 * excerpt), keeping their length so the caret under the error still lines up.
 */
export function maskSecretLookingValues(text: string): string {
  return text.replace(SECRET_LOOKING_KEY, (_whole, head: string, value: string) => `${head}${'*'.repeat(value.length)}"`);
}
