import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

// The SDK warns at every start that releases after January 2027 need Node 22; Ferry pins a
// major that runs on Node 20 and says so in its README instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3ClientOptions {
  readonly region: string;
  readonly endpoint?: string | undefined;
  readonly forcePathStyle?: boolean;
  /** Longest wait for a TCP connection (ms). */
  readonly connectTimeoutMs?: number;
  /** Longest silence on an open connection while a request is under way (ms). */
  readonly requestTimeoutMs?: number;
  /** Fixed credentials (tests); otherwise the AWS SDK's default chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * The S3 client Ferry uses for writing (the exporter) and reading (`ferry verify`):
 * credentials from the AWS SDK's default chain; no SDK retries (the host retries, and a
 * hidden retry loop multiplies load during an outage); and checksums only where S3
 * requires them — the SDK's default CRC32 with aws-chunked trailers is rejected or stored
 * corrupted by several S3-compatible stores. Ferry sends a Content-MD5 instead.
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ connectionTimeout: options.connectTimeoutMs ?? 10_000, requestTimeout: options.requestTimeoutMs ?? 30_000, throwOnRequestTimeout: true }),
  });
}
