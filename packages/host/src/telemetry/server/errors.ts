/** The telemetry server cannot listen where the config says; the message names the option. */
export class TelemetryAddressError extends Error {
  override readonly name = 'TelemetryAddressError';
  readonly code = 'FERRY_TELEMETRY_ADDRESS';
  readonly address: string;

  constructor(address: string, cause: NodeJS.ErrnoException) {
    const why =
      cause.code === 'EADDRINUSE'
        ? 'is already in use (another Ferry, or another program)'
        : cause.code === 'EADDRNOTAVAIL'
          ? 'is not an address of this machine'
          : cause.code === 'EACCES'
            ? 'needs privileges Ferry does not have (ports below 1024)'
            : `cannot be listened on (${cause.code ?? cause.message})`;
    super(`service.telemetry.address: ${address} ${why}; choose another address, or set it to null to run without the telemetry server`, { cause });
    this.address = address;
  }
}
