import type { FerryEvent } from '@ferry/sdk';
import type { SplitMode } from './chunking.js';
import type { LineEnding } from './sse-format.js';

/** Ways to make the stream hard on a client, for tests. All off by default. */
export interface GeneratorFaults {
  /** Line endings: `lf` (default), `crlf`, `cr`, or `mixed` (rotates LF, CRLF, CR per event). */
  readonly lineEnding?: LineEnding;
  /**
   * How writes are chunked: `none` (whole events), `random` (cuts anywhere, also inside
   * multi-byte UTF-8 characters) or `bytes` (1–7 byte pieces). Each piece is its own HTTP chunk.
   */
  readonly split?: SplitMode;
  /** Each event's JSON pretty-printed over several `data:` lines (valid SSE: a client joins them with `\n`). */
  readonly multilineData?: boolean;
  /** `: comment` lines between events and between an event's field lines. */
  readonly comments?: boolean;
  /** `id: <event id>` fields (real Grantex sends none). */
  readonly ids?: boolean;
  /** A `retry: <ms>` field once at the start of each stream. */
  readonly retryField?: number;
  /** Every Nth message on a stream is malformed, rotating: invalid JSON, missing id, data not an object. */
  readonly malformedEvery?: number;
  /** Per connection: after N events, write half of the next one, then close the connection. */
  readonly dropAfter?: number;
  /** Per connection: after N events, write nothing more (no keepalives either) and keep the socket open. */
  readonly stallAfter?: number;
  /** Status codes answered to the first connection attempts, in order (`Retry-After: 1` on 429 and 503); then served normally. */
  readonly responses?: readonly number[];
}

export interface GeneratorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Clients must send `Authorization: Bearer <apiKey>`; anything else gets a 401. */
  readonly apiKey: string;
  /**
   * How events reach streams.
   * - `broadcast` (default), as the real Grantex route does with Redis pub/sub: each event is
   *   published once, written to every stream open at that moment whose types match, and
   *   never kept for a stream that connects later (no replay); what no stream took counts in
   *   `missed`. Events come from `rate` and from `publish()`.
   * - `pull`: each stream gets its own sequence, as fast as its client reads (for tests and
   *   benchmarks that need an exact number of events served to one reader).
   */
  readonly mode?: 'broadcast' | 'pull';
  /**
   * Broadcast mode: events per second published on the one timeline (0, the default: only
   * what `publish()` publishes). Must be 0 in pull mode.
   */
  readonly rate?: number;
  /**
   * Write a `: connected` comment as soon as a stream opens, which sends the response head at
   * once. The real route does not (it has an opt-in for it), so a client there sees the 200
   * only with the first event or keepalive. Default: false in broadcast mode, true in pull mode.
   */
  readonly connectedComment?: boolean;
  /** Stop producing after this many events in all (streams then get keepalives only). */
  readonly total?: number;
  /** Same seed, same events. */
  readonly seed?: number;
  /** The event types produced (default: all of `EVENT_TYPES`). A stream's `?types=` narrows it further. */
  readonly types?: readonly string[];
  /** Interval of `: keepalive` comments, default 30000 (Grantex's); the first comes this long after a stream opens. */
  readonly keepaliveMs?: number;
  /** Concurrent streams allowed (Grantex: 5 per API key); past that, 429. */
  readonly maxConnections?: number;
  /** Keep every delivered event in `delivered` (default true). Off for long runs: memory grows with it. */
  readonly keepDelivered?: boolean;
  /** Called with events as they are delivered, in write order (the CLI's `--record`). */
  readonly onDelivered?: (events: readonly FerryEvent[]) => void;
  readonly faults?: GeneratorFaults;
}

export interface GeneratorServer {
  /** `http://127.0.0.1:<port>`; the stream is at `${url}/v1/events/stream`. */
  readonly url: string;
  readonly port: number;
  /**
   * Every valid event whose terminating blank line was written to a socket, in write order:
   * not the half event a `dropAfter` cuts, not malformed ones. In broadcast mode an event written
   * to two streams is here twice.
   */
  readonly delivered: readonly FerryEvent[];
  /** How many events `delivered` holds (counted even with `keepDelivered: false`). */
  readonly deliveredCount: number;
  readonly malformedSent: number;
  /** Broadcast mode: published events that no stream received (nobody connected, filtered out, stalled or cut off). */
  readonly missed: number;
  /** Streams open now: in broadcast mode, those an event published now is written to. */
  readonly streams: number;
  /** Connection attempts to the stream path so far, refused ones included. */
  readonly connections: number;
  /** Streams currently paused because their client does not read (the server waits for 'drain'). */
  readonly pausedStreams: number;
  /** Bytes written but not yet taken by the kernel, over all streams: what a slow reader costs in memory. */
  readonly bufferedBytes: number;
  /**
   * Broadcast mode: publishes `count` (default 1) events now, as Grantex publishes an event
   * when it happens, and returns them (fewer once `total` is reached).
   */
  publish(count?: number): FerryEvent[];
  /** Resolves once `deliveredCount >= count`; rejects after `timeoutMs` (default 30000) or on close. */
  waitForDelivered(count: number, timeoutMs?: number): Promise<void>;
  /** Ends every stream and the server. */
  close(): Promise<void>;
}
