import type { ComponentKind, ExporterDefinition, ReceiverDefinition, TObject, TSchema } from '@ferry/sdk';
import { Type } from '@ferry/sdk';
import type { Registry } from '../plugins/registry.js';
import { COMPONENT_ID_PATTERN, deliveryProperties, hostRootProperties } from './host-schema.js';
import { receiverHostSchema } from '../receivers/leader-schema.js';

export const SECTIONS: ReadonlyArray<{ section: 'receivers' | 'processors' | 'exporters'; kind: ComponentKind }> = [
  { section: 'receivers', kind: 'receiver' },
  { section: 'processors', kind: 'processor' },
  { section: 'exporters', kind: 'exporter' },
];

export function definitionKey(kind: ComponentKind, type: string): string {
  return `${kind}.${type}`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An exporter's schema as users write it: its own options plus the host's delivery options. */
export function exporterSchema(definition: ExporterDefinition): TObject {
  const own = definition.configSchema;
  const delivery = deliveryProperties(definition.batchDefaults ?? {}, definition.limits ?? {});
  const clash = Object.keys(own.properties).filter((name) => name in delivery);
  if (clash.length > 0) {
    throw new TypeError(`exporter "${definition.type}" declares host options ${clash.join(', ')}; set batchDefaults/limits instead`);
  }
  const optionalDelivery = Object.fromEntries(Object.entries(delivery).map(([name, schema]) => [name, Type.Optional(schema)]));
  return Type.Object({ ...own.properties, ...optionalDelivery }, { ...schemaOptions(own), additionalProperties: false });
}

/** A receiver's schema as users write it: its own options plus the host's `leaderElection`. */
export function receiverSchema(definition: ReceiverDefinition): TObject {
  const own = definition.configSchema;
  const host = receiverHostSchema.properties;
  const clash = Object.keys(own.properties).filter((name) => name in host);
  if (clash.length > 0) throw new TypeError(`receiver "${definition.type}" declares the host option ${clash.join(', ')}`);
  return Type.Object({ ...own.properties, ...host }, { ...schemaOptions(own), additionalProperties: false });
}

function schemaOptions(schema: TObject): Record<string, unknown> {
  const { properties: _properties, required: _required, type: _type, ...rest } = schema as unknown as Record<string, unknown>;
  return rest;
}

/**
 * The one JSON Schema a config is validated against: the host's own schema, with each
 * installed component's schema under `$defs` and matched by component id.
 */
export function composeSchema(registry: Registry): Record<string, unknown> {
  const $defs: Record<string, TSchema> = {};
  const sections = {} as Record<'receivers' | 'processors' | 'exporters', TSchema>;
  for (const { section, kind } of SECTIONS) {
    const patternProperties: Record<string, TSchema> = {};
    for (const { definition } of registry.list(kind)) {
      const key = definitionKey(kind, definition.type);
      $defs[key] = definition.kind === 'exporter' ? exporterSchema(definition) : definition.kind === 'receiver' ? receiverSchema(definition) : definition.configSchema;
      patternProperties[`^${escapeRegex(definition.type)}(/[^/\\s]+)?$`] = Type.Unsafe({ $ref: `#/$defs/${key}` });
    }
    sections[section] = Type.Unsafe({
      type: 'object',
      description: `${kind[0]?.toUpperCase()}${kind.slice(1)}s by id: \`type\` or \`type/name\`.`,
      propertyNames: { pattern: COMPONENT_ID_PATTERN },
      patternProperties,
      additionalProperties: false,
      default: {},
    });
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://ferry.dev/schemas/collector.config.json',
    title: 'Ferry collector config',
    type: 'object',
    properties: hostRootProperties(sections),
    required: ['receivers', 'exporters', 'service'],
    additionalProperties: false,
    $defs,
  };
}
