/** A component could not be created or started; the message names it and the cause. */
export class ComponentFailedError extends Error {
  override readonly name = 'ComponentFailedError';
  readonly component: string;
  readonly code: 'FERRY_CREATE_FAILED' | 'FERRY_START_FAILED';
  constructor(code: 'FERRY_CREATE_FAILED' | 'FERRY_START_FAILED', component: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`${component} failed to ${code === 'FERRY_CREATE_FAILED' ? 'be created' : 'start'}: ${why}`, { cause });
    this.component = component;
    this.code = code;
  }
}
