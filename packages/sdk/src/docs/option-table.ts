/**
 * The option table of a config schema, in Markdown: what every plugin README (and Ferry's
 * config reference) shows, generated from the schema so that it cannot drift from it.
 */
interface Node {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
  anyOf?: Node[];
  const?: unknown;
  enum?: unknown[];
  secret?: boolean;
  minimum?: number;
  maximum?: number;
  additionalProperties?: unknown;
  patternProperties?: Record<string, Node>;
}

function typeName(node: Node): string {
  if (node.anyOf?.every((n) => n.const !== undefined)) return node.anyOf.map((n) => `\`${JSON.stringify(n.const)}\``).join(' \\| ');
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (node.anyOf) return node.anyOf.map(typeName).join(' \\| ');
  if (node.type === 'array') return `array of ${node.items ? typeName(node.items) : 'values'}`;
  if (Array.isArray(node.type)) return node.type.join(' \\| ');
  return node.type ?? 'value';
}

function defaultOf(node: Node, required: boolean): string {
  if (required) return '**required**';
  const resolved = (node as Record<string, unknown>)['x-ferry-default'];
  if (node.default === undefined && resolved !== undefined) return resolved === 'none' ? '—' : `\`${JSON.stringify(resolved)}\``;
  if (node.default === undefined) return '—';
  if (typeof node.default === 'object' && node.default !== null && Object.keys(node.default).length === 0 && node.type === 'object') return '—';
  return `\`${JSON.stringify(node.default)}\``;
}

function rows(node: Node, prefix: string, out: string[]): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    const required = (node.required ?? []).includes(name) && child.default === undefined;
    if (child.type === 'object' && child.properties) {
      out.push(`| \`${path}\` | object | ${required ? '**required**' : '—'} | ${escape(child.description ?? '')} |`);
      rows(child, path, out);
      continue;
    }
    const limits = [child.minimum !== undefined ? `min ${child.minimum}` : '', child.maximum !== undefined ? `max ${child.maximum}` : ''].filter(Boolean).join(', ');
    const notes = [child.secret ? '**Secret**: never logged or printed.' : '', limits ? `(${limits})` : ''].filter(Boolean).join(' ');
    out.push(`| \`${path}\` | ${typeName(child)} | ${defaultOf(child, required)} | ${escape(child.description ?? '')}${notes ? ` ${notes}` : ''} |`);
  }
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown table of every option of an object schema, nested options dotted. */
export function optionTable(schema: object): string {
  const out = ['| Option | Type | Default | Description |', '| --- | --- | --- | --- |'];
  rows(schema as Node, '', out);
  return out.length === 2 ? '_No options._' : out.join('\n');
}
