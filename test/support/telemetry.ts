/** One sample of a Prometheus scrape. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the Prometheus text format (what `/metrics` serves). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key as string] = (value as string).replace(/\\(.)/g, '$1');
    samples.push({ name: match[1] as string, labels, value: match[3] === '+Inf' ? Infinity : Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name and these labels (among others); throws when absent. */
export function valueOf(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return (found[0] as Sample).value;
}

/** A client of one Ferry's telemetry server on 127.0.0.1. */
export function telemetryAt(port: number, token?: string) {
  const base = `http://127.0.0.1:${port}`;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  return {
    base,
    get,
    /** Status and body; a refused connection (not listening yet, or any more) is status 0. */
    async probe(path: string): Promise<{ status: number; body: string }> {
      try {
        const response = await get(path);
        return { status: response.status, body: await response.text() };
      } catch {
        return { status: 0, body: '' };
      }
    },
    async metrics(): Promise<Sample[]> {
      return parsePrometheus(await (await get('/metrics')).text());
    },
    async status(): Promise<{ httpStatus: number; body: StatusBody }> {
      const response = await get('/status');
      return { httpStatus: response.status, body: (await response.json()) as StatusBody };
    },
  };
}

export interface StatusBody {
  readonly status: string;
  readonly healthy: boolean;
  readonly since: string;
  readonly error?: string;
  readonly components?: Readonly<Record<string, StatusBody>>;
}

/** The node of one component in a pipeline (`exporter:datadog` in `events`). */
export function componentStatus(body: StatusBody, pipeline: string, component: string): StatusBody | undefined {
  return body.components?.[`pipeline:${pipeline}`]?.components?.[component];
}
