/** Pieces of the host for benchmarks and tools inside this repository; not a stable API. */
export { DiskLog } from './log/disk/disk-log.js';
export type { DiskLogOptions } from './log/disk/disk-log.js';
export { MemoryLog } from './log/memory-log.js';
export { silentLogger } from './telemetry/logger.js';
