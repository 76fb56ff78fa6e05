/** Where to listen, from `host:port`, `:port` (every interface) or `[v6]:port`. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export function parseEndpoint(endpoint: string): ListenAddress {
  const colon = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, colon);
  return {
    // An empty host means every interface, as in the OpenTelemetry Collector's `:4317`.
    host: host === '' ? '0.0.0.0' : host.startsWith('[') ? host.slice(1, -1) : host,
    port: Number(endpoint.slice(colon + 1)),
  };
}
