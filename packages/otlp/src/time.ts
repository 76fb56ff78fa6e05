/** An instant as OpenTelemetry's HrTime: [seconds, nanoseconds]. */
export type HrTime = [number, number];

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 `createdAt` to the nanosecond (Date.parse stops at the millisecond); undefined when it is no such date. */
export function parseTimestamp(text: string): HrTime | undefined {
  const match = ISO.exec(text);
  if (match === null) return undefined;
  const ms = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return [ms / 1000, Number((match[2] ?? '').padEnd(9, '0'))];
}

/**
 * The shortest UTC form of an instant in nanoseconds: whole seconds as `…:00Z` (Grantex's
 * form), else 3, 6 or 9 fraction digits. A `createdAt` written this way comes back from an
 * OTLP round trip as the same text.
 */
export function renderTimestamp(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const fraction = nanos % 1_000_000_000n;
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  if (fraction === 0n) return `${whole}Z`;
  let digits = fraction.toString().padStart(9, '0');
  while (digits.length > 3 && digits.endsWith('000')) digits = digits.slice(0, -3);
  return `${whole}.${digits}Z`;
}

export function hrTimeToNanos(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

export function millisToHrTime(ms: number): HrTime {
  return [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
}
