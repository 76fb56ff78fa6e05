/**
 * Errors a component throws to tell the host what to do next. The host's delivery
 * machinery retries a RetryableError (waiting at least `retryAfterMs` when given),
 * dead-letters the events of a PermanentError, holds the events of a ConfigError queued
 * (the exporter is marked failed until it delivers again or a reload replaces it), and
 * treats any other error as retryable: losing an audit event is worse than trying again.
 */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  readonly retryAfterMs: number | undefined;
  /**
   * The destination asks to be sent less (429, 503, throttling): the host lowers how many
   * requests it sends at once. An isolated failure (a 500, a reset) is retried without that.
   */
  readonly pushBack: boolean;
  constructor(message: string, options: { retryAfterMs?: number; pushBack?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
    this.pushBack = options.pushBack ?? false;
  }
}

/** The destination refused the data for good (invalid, too large, forbidden): retrying cannot help. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
  }
}

/**
 * The component's configuration cannot work (rejected credentials, missing bucket,
 * missing permission, a wrong address): no event is at fault, so none is dead-lettered for
 * it. Thrown from start it stops the collector. Thrown from `export` (or as a rejected
 * event's error), or reported through `ctx.reportError`, it marks the component failed
 * (`/status`: permanent error) until it works again; an exporter's events stay queued
 * meanwhile, tried again at the retry policy's longest interval, so fixing the config and
 * reloading it (SIGHUP) — or the destination accepting the key again — delivers them.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
  }
}

/** The pipeline has no room right now; try again after `retryAfterMs`. */
export class BackpressureError extends Error {
  override readonly name = 'BackpressureError';
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The pipeline is shutting down and accepts nothing more. */
export class ShutdownError extends Error {
  override readonly name = 'ShutdownError';
}

/** Whether retrying the same request cannot help: a PermanentError or a ConfigError (which the host holds rather than dead-letters). */
export function isPermanent(error: unknown): boolean {
  return error instanceof PermanentError || error instanceof ConfigError || hasName(error, 'PermanentError') || hasName(error, 'ConfigError');
}

/** Whether an error is a ConfigError, also one from another copy of the SDK. */
export function isConfigError(error: unknown): boolean {
  return error instanceof ConfigError || hasName(error, 'ConfigError');
}

/** Whether a failure asks the host to send less: marked so, or with a Retry-After (which only push-back carries). */
export function isPushBack(error: unknown): boolean {
  if (retryAfterOf(error) !== undefined) return true;
  return typeof error === 'object' && error !== null && (error as { pushBack?: unknown }).pushBack === true;
}

/** How long the destination asked us to wait, if it did. */
export function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof RetryableError || error instanceof BackpressureError) return error.retryAfterMs;
  if (typeof error === 'object' && error !== null && 'retryAfterMs' in error) {
    const value = (error as { retryAfterMs: unknown }).retryAfterMs;
    return typeof value === 'number' ? value : undefined;
  }
  return undefined;
}

// Plugins may bundle their own copy of the SDK, so instanceof alone is not enough.
function hasName(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}
