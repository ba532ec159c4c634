// index.d.ts: the types of the whole JS API, the same for the Node entry
// (js/index.js) and the browser entry (js/browser.js). Hand-written: the
// JSDoc in js/ is the source of truth, and this file follows it.

/** One piece of input: bytes, or a string sent as UTF-8. */
export type Chunk = Uint8Array | ArrayBuffer | ArrayBufferView | string;

/** What a call reads: one chunk, a stream of chunks, or an (async) iterable. */
export type Input = Chunk | ReadableStream<Chunk> | AsyncIterable<Chunk> | Iterable<Chunk>;

/** A function of the module: its registered name (WM_EXPORT(name)). */
export type FnName = string;

export interface MeshOptions {
  /**
   * The module's Emscripten glue (.js): a path or file: URL in Node, a URL
   * (absolute, or relative to the page) in a browser. Default: the
   * package's prebuilt standard module (wmesh_std): gen, upper, reverse,
   * sha256, fnv1a64, deflate, inflate (zlib format), img_decode,
   * img_resize, img_grayscale, img_blur, img_encode (stb), synth.
   */
  module?: string | URL;
  /** The module's binary. Default: the glue's URL with .wasm for .js. */
  wasm?: string | URL | ArrayBuffer | Uint8Array | WebAssembly.Module;
  /** How many workers. Default: the number of cores. */
  workers?: number;
  /** Calls running at once per worker; more wait in the queue. Default 64. */
  concurrency?: number;
  /** Calls waiting for a worker, at most; past it calls fail with WM_EBUSY. Default 65536. */
  queue?: number;
  /**
   * Join a mesh of hosts through NATS: hosts running the same module (by
   * the SHA-256 of its .wasm) under the same `name` serve each other's
   * calls. Without it, the mesh is this process's (or page's) alone.
   */
  cluster?: ClusterOptions;
}

/** How a host joins a mesh of hosts (MeshOptions.cluster). */
export interface ClusterOptions {
  /** NATS servers, e.g. 'nats://10.0.0.5:4222' (Node: needs the package
   * @nats-io/transport-node). */
  servers?: string | string[];
  /** A NatsConnection made by the caller; in a browser the only way (make
   * it with wsconnect of @nats-io/nats-core). The mesh does not close it. */
  connection?: unknown;
  /** The mesh's name: hosts of one name serve each other. Default 'default'. */
  name?: string;
  /** This host's id: letters, digits, '-', '_'. Default: random. */
  host?: string;
  /** Milliseconds between heartbeats; a host silent for 3 of them is gone
   * (its calls fail with WM_EDIED). Default 1000. */
  heartbeat?: number;
  /** Further NATS connection options (user, pass, token, tls, ...). */
  nats?: Record<string, unknown>;
}

/**
 * Where a call runs among hosts: 'cluster' (a call: the least-loaded host,
 * this one included; a chain: its stages spread over every host), one
 * host, or (a chain) its stages spread over the hosts listed, in order.
 */
export type HostWhere = 'cluster' | { host: string } | { hosts: string[] };

export interface CallOptions {
  /**
   * A worker number from 1, or 'main' to run in a fiber of this thread's
   * instance. Default: the least-loaded worker.
   */
  where?: number | 'main';
  /**
   * Milliseconds the whole call may take: one still queued then fails with
   * WM_ETIMEDOUT, and a running one sees WM_ETIMEDOUT from every blocking
   * call; one that computes on without blocking is stopped with its worker
   * after `grace`, and fails with WM_ETIMEDOUT too. A finite number (else a
   * TypeError).
   */
  timeout?: number;
  /**
   * Cancels the call and every call it made: its blocking calls return
   * WM_ECANCELED. The call then rejects with `signal.reason` (an AbortError
   * DOMException unless abort() was given one), whose `cause` is the
   * WmError (WM_ECANCELED); an already aborted signal throws it at once.
   */
  signal?: AbortSignal;
  /**
   * Milliseconds a cancelled call has to end before its worker is
   * terminated (and replaced). Default 1000.
   */
  grace?: number;
  /** Bytes in flight per pipe, from 1 KiB (WM_MIN_WINDOW) to 64 MiB. Default 512 KiB. */
  window?: number;
  /** false: the function gets no output pipe. */
  output?: boolean;
}

/** A call's options in a mesh of hosts (MeshOptions.cluster). */
export interface HostCallOptions extends Omit<CallOptions, 'where'> {
  /** A worker here (as CallOptions), or hosts (HostWhere). */
  where?: CallOptions['where'] | HostWhere;
  /** Run here while this host has room (workers × concurrency), else on
   * the least-loaded host with room. Default false. */
  spill?: boolean;
}

/** What a host knows of the mesh of hosts (MeshStats.cluster). */
export interface ClusterStats {
  host: string;
  name: string;
  /** the other hosts: capacity, load at their last heartbeat, segments in
   * flight to them and from them, ms since their last message */
  hosts: { host: string; cap: number; load: number; inflightTo: number; inflightFrom: number; lastSeenMs: number }[];
  /** calls made here and running elsewhere */
  callsOut: number;
  /** segments of other hosts' calls running here */
  segmentsServed: number;
  /** streams between hosts open here */
  streams: number;
  /** messages refused as malformed */
  forged: number;
  /** hosts refused for running another module */
  refused: number;
  /** messages for no call or stream here (late, or of a host gone) */
  stray: number;
  servedTotal: number;
  sentTotal: number;
  hostsGone: number;
  /** stream bytes received here (payload), and sent from here (frames) */
  bytesIn: number;
  bytesOut: number;
}

/** Counters of what is alive in one instance. */
export interface InstanceStats {
  fibers: number;
  fibersBusy: number;
  pipes: number;
  calls: number;
  running: number;
  ports: number;
  queued: number;
  refused: number;
  jsPorts: number;
  framesIn: number;
  /** chunk buffers kept for reuse */
  buffers: number;
  [key: string]: number;
}

export interface MeshStats {
  /** this thread's instance */
  main: InstanceStats;
  /** workers 1..n, in order; a dead worker is { dead: 1 }, one that did
   * not answer in time { unresponsive: 1 } */
  workers: (InstanceStats | { dead: number } | { unresponsive: number })[];
  /** the sum over every instance, plus pendingJs (calls whose result JS
   * still waits for), workers (alive), workersDead (not yet replaced),
   * restarts (workers replaced so far) and unresponsive (workers that did
   * not answer in time: one computing without blocking); in a mesh of
   * hosts, remoteCalls (calls and segments in flight to and from others) */
  total: Record<string, number>;
  /** in a mesh of hosts: the others, and this host's counts */
  cluster?: ClusterStats;
  /** what the calls made here and the instances did (as a pool reports it) */
  usage: MeshUsage;
}

/** A distribution of durations, in ms: percentiles are the upper bound of
 * a power-of-two bucket of microseconds (within 2× above, never below). */
export interface DurationSummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

/** MeshStats.usage */
export interface MeshUsage {
  /** per function (a chain: its names joined by '|'), the go() and chain()
   * calls made here that ended: how many, how many failed, and their
   * latency from the call to its result (queueing and running together:
   * the core does not yet report when a call starts) */
  functions: Record<string, { calls: number; failed: number; latency: DurationSummary }>;
  /** the share (0 to 1) of each instance's life spent running the module;
   * null for a worker that did not answer (dead or computing) */
  utilization: { main: number; workers: (number | null)[] };
}

/** One call in flight. */
export declare class Call {
  /** The function's name, or the chain's names joined by '|'. */
  readonly name: string;
  /** The call's output; empty if the call was made with output: false. An unread output holds its writer back. Taking it takes the output: bytes() and text() then reject. */
  readonly output: ReadableStream<Uint8Array>;
  /** Resolves with the function's result (0); rejects with a WmError. */
  readonly result: Promise<number>;
  /** The whole output once the call succeeded; rejects on either's failure. The output is read once: a second read rejects with a TypeError. */
  bytes(): Promise<Uint8Array>;
  /** bytes() decoded as UTF-8. */
  text(): Promise<string>;
}

export interface StartOptions extends CallOptions {
  /** Milliseconds to wait for the service to be ready; it is then halted and the start fails with WM_ETIMEDOUT. */
  startTimeout?: number;
}

/** A started service: ready, and running until halted. */
export declare class Service {
  private constructor();
  /** The call that runs it. */
  readonly call: Call;
  readonly name: string;
  /** The service's output. */
  readonly output: ReadableStream<Uint8Array>;
  /** Settles when the service ends, early or not: its result, or a WmError. */
  readonly result: Promise<number>;
  /**
   * Cancels the service and waits for it to end; after grace ms (1000) it is
   * stopped with its worker. Resolves with its result code (WM_ECANCELED for
   * a service halted while serving, WM_EDIED for one stopped by force).
   */
  halt(grace?: number): Promise<number>;
}

/** Halts services in reverse order; resolves with their results in the order given. */
export declare function haltAll(services: Service[], grace?: number): Promise<number[]>;

/** The events of a mesh's workers, as CustomEvent details. */
export interface MeshEventMap {
  /** A worker ended (a trap, an abort, a stop after a grace, a kill); its
   * calls failed with WM_EDIED, and a replacement is on its way. */
  workerexit: CustomEvent<{ worker: number; reason: string }>;
  /** A replacement worker is ready and serves. */
  workerstart: CustomEvent<{ worker: number; restarts: number }>;
  /** A replacement died before it was ready; the next is tried after
   * `retryIn` ms (doubling, from 50 ms to 2 s). */
  workerstartfail: CustomEvent<{ worker: number; error: string; retryIn: number }>;
  /** In a mesh of hosts: a host running the same module joined. */
  hostjoin: CustomEvent<{ host: string }>;
  /** A host left, or was lost (its heartbeats stopped, or NATS was lost):
   * its calls failed with WM_EDIED. */
  hostexit: CustomEvent<{ host: string; reason: string }>;
  /** A host of the same mesh name runs another module: refused. */
  hostrefused: CustomEvent<{ host: string; reason: string }>;
}

/**
 * A running mesh: made by createMesh, ended by close. It is an EventTarget
 * of its workers' lifecycle (see MeshEventMap). F names its functions: a
 * module built with cmake/wmesh.cmake comes with a .d.ts whose FnName lists
 * them, so that `createMesh<FnName>(...)` makes a typo a compile error.
 */
export declare class Mesh<F extends string = FnName> extends EventTarget implements AsyncDisposable {
  private constructor();
  addEventListener<K extends keyof MeshEventMap>(
    type: K,
    listener: (ev: MeshEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof MeshEventMap>(
    type: K,
    listener: (ev: MeshEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  /** The number of workers. */
  readonly size: number;
  /** How many workers have died and been replaced. */
  readonly restarts: number;
  /** In a mesh of hosts: this host's id, and the others' ids (by heartbeat). */
  readonly cluster: { readonly id: string; readonly name: string; readonly peers: ReadonlyMap<string, unknown> } | null;
  /**
   * Calls one function with input, streaming its output. An unknown name or
   * an option out of range throws a WmError at once, and a name, option or
   * input of the wrong type a TypeError, before anything of the call exists;
   * every later failure rejects call.result and errors call.output.
   */
  go(fn: F, input?: Input, opts?: HostCallOptions): Call;
  /**
   * Runs functions as a pipeline spread over the workers: with no more
   * stages than workers each stage gets its own, with more, neighbouring
   * stages share one on local pipes; pipes between workers join them
   * directly. In a mesh of hosts, `where` may spread the stages over hosts:
   * bytes then go from host to host directly, never through this one.
   */
  chain(fns: F[], input?: Input, opts?: HostCallOptions): Call;
  /**
   * Starts a service (a function that calls wm_ready() once it can serve)
   * and resolves when it is ready; rejects with its error if it ends first
   * (WM_EEARLY if it ended with 0), or WM_ETIMEDOUT after startTimeout.
   */
  start(fn: F, input?: Input, opts?: StartOptions): Promise<Service>;
  /** Starts services one after another; if one fails, halts the started ones and rejects. */
  startAll(list: { fn: F; input?: Input; opts?: StartOptions }[]): Promise<Service[]>;
  /**
   * Joins a topic made with wm_topic_make in instance `where`. The call's
   * output carries the frames published from now on, as records (parse them
   * with `records`); cancel the output to leave. Its result is 0 when the
   * topic ends; it rejects with WM_ENOENT (no such topic) or WM_EOVERFLOW
   * (dropped for being slow, under 'disconnect').
   */
  subscribe(
    topic: string,
    opts: CallOptions & { where: number | 'main'; policy?: 'block' | 'drop' | 'disconnect'; queue?: number },
  ): Call;
  /** Counts what is alive in every instance; a worker that does not answer within timeout ms (500) is reported unresponsive. */
  stats(opts?: { timeout?: number }): Promise<MeshStats>;
  /**
   * Everything alive in every instance, one line an object: busy fibers
   * with the function they run and the source line they are blocked at,
   * pipe ends and calls with the line that made them.
   */
  dump(opts?: { timeout?: number }): Promise<string>;
  /**
   * Ends the mesh gracefully: new calls are refused at once, calls in flight
   * may finish for up to timeout ms (default 5000), then workers end, ports
   * close, and calls still in flight reject with WM_ECLOSED. A second
   * close() resolves with the first, once the mesh is closed.
   */
  close(opts?: { timeout?: number }): Promise<void>;
  /** close(), for `await using mesh = await createMesh()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The runtime's error codes (include/wmesh.h). */
export declare const codes: Readonly<{
  WM_EINVAL: -1;
  WM_EBADF: -2;
  WM_EPERM: -3;
  WM_EPIPE: -4;
  WM_ETIMEDOUT: -5;
  WM_ECANCELED: -6;
  WM_ENOFN: -7;
  WM_ENOMEM: -8;
  WM_EBUSY: -9;
  WM_EDIED: -10;
  WM_EPROTO: -11;
  WM_ENOTFIBER: -12;
  WM_ECLOSED: -13;
  WM_EEARLY: -14;
  WM_EOVERFLOW: -15;
  WM_ENOENT: -16;
  WM_ENOWORKER: -17;
  WM_EINPUT: -18;
  WM_ENOPIPE: -19;
}>;

export type CodeName = keyof typeof codes;

/** Describes a code as wm_strerror does; codes outside the runtime's range are a function's own. */
export declare function strerror(code: number): string;

/** How every failure of a call or a pipe reaches JS. */
export declare class WmError extends Error {
  constructor(code: number, fn?: string);
  readonly name: 'WmError';
  /** The runtime's code (a value of `codes`) or the function's own negative result. */
  readonly code: number;
  /** The function (or chain) that failed. */
  readonly fn: string | undefined;
  /** The code's name, e.g. "WM_ENOFN"; undefined for a function's own code. */
  readonly codeName: CodeName | StdCodeName | undefined;
}

/**
 * Starts a mesh: the module is compiled once, instantiated on this thread
 * and in each worker, and ready when the promise resolves.
 */
export declare function createMesh<F extends string = FnName>(options?: MeshOptions): Promise<Mesh<F>>;

/** Reads a whole stream into one Uint8Array. */
export declare function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array>;

/** One frame of a topic: seq counts the topic's frames from 1; dropped is how many this subscriber missed just before it. */
export interface TopicRecord {
  seq: number;
  dropped: number;
  data: Uint8Array;
}

/** Parses a subscription's output into frames. */
export declare function records(stream: ReadableStream<Uint8Array>): AsyncGenerator<TopicRecord>;

/** The slow-subscriber policies, as numbers (include/wmesh.h WM_SUB_*). */
export declare const policies: Readonly<{ block: 0; drop: 1; disconnect: 2 }>;

// Mesh is AsyncDisposable (`await using mesh = ...`). These declarations let
// the types compile where the esnext.disposable lib (or @types/node, which
// declares the same) is not loaded; where it is, they merge with its own.
declare global {
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
  interface AsyncDisposable {
    [Symbol.asyncDispose](): PromiseLike<void>;
  }
}

// ---------------------------------------------------------------------------
// The standard module (js/std.js): wmesh_std's functions, its own result
// codes, and the image options header. The README's "Standard module"
// section has the full table (input, output, options, limits, errors).

/**
 * The functions of wmesh_std, the module createMesh() runs by default.
 *
 * - `gen`: input a decimal count N (default 10); output N lines
 *   "line i of N: hello, mesh\n".
 * - `upper`: bytes in, the same with ASCII a-z upper-cased out (streams).
 * - `reverse`: text in, each line reversed out, newlines kept (a line is
 *   held whole: up to 256 MiB, past it WMSTD_ETOOBIG).
 * - `sha256`: any bytes in (streamed); out the 32-byte raw SHA-256 digest.
 * - `fnv1a64`: any bytes in (streamed); out the 64-bit FNV-1a hash as 8
 *   bytes, little-endian.
 * - `deflate`: bytes in, streamed (any size, bounded memory); out a zlib
 *   stream (RFC 1950, zlib 1.3.1 at level 6, node:zlib's default), as
 *   zlib.inflateSync reads. `deflate_1` to `deflate_9`: the same at that
 *   level (deflateStage(level) names them).
 * - `inflate`: one zlib stream in, streamed; its data out, as it comes, up
 *   to 1 GiB (past it WMSTD_ELIMIT). WMSTD_EFORMAT if the input is not
 *   zlib, is cut short or corrupt, or has bytes after the stream.
 * - `img_decode`: [16-byte options header, see imageOptions] then a PNG,
 *   JPEG, BMP, GIF, TGA or PNM file (at most 256 MiB, 16384 px a side, 64
 *   Mpixel); out a frame (see parseImageFrame) carrying the options.
 * - `img_resize`: a frame in; the frame resized to the options' width and
 *   height out (one 0 follows the aspect ratio). WMSTD_ENOSIZE if the frame
 *   has neither (no options header before img_decode's input).
 * - `img_grayscale`: a frame in; its BT.601 luma (alpha kept) out.
 * - `img_blur`: a frame in; box-blurred by the options' blur radius (1-64)
 *   out. WMSTD_ENORADIUS if the radius is 0.
 * - `img_encode`: a frame in; a PNG (8-bit RGBA) out.
 * - `synth`: a service (start it with mesh.start): publishes 256 float32
 *   samples every 5 ms on topic "audio" until halted; its input is ignored.
 * - `level_meter`: in 8 bytes, u32 LE worker then u32 LE frame count; it
 *   subscribes to "audio" on that worker and writes one text line per frame.
 */
export type StdFunction =
  | 'gen'
  | 'upper'
  | 'reverse'
  | 'sha256'
  | 'fnv1a64'
  | 'deflate'
  | 'deflate_1'
  | 'deflate_2'
  | 'deflate_3'
  | 'deflate_4'
  | 'deflate_5'
  | 'deflate_6'
  | 'deflate_7'
  | 'deflate_8'
  | 'deflate_9'
  | 'inflate'
  | 'img_decode'
  | 'img_resize'
  | 'img_grayscale'
  | 'img_blur'
  | 'img_encode'
  | 'synth'
  | 'level_meter';

/** The functions of wmesh_std, in the order StdFunction documents them. */
export declare const STD_FUNCTIONS: readonly [
  'gen',
  'upper',
  'reverse',
  'sha256',
  'fnv1a64',
  'deflate',
  'deflate_1',
  'deflate_2',
  'deflate_3',
  'deflate_4',
  'deflate_5',
  'deflate_6',
  'deflate_7',
  'deflate_8',
  'deflate_9',
  'inflate',
  'img_decode',
  'img_resize',
  'img_grayscale',
  'img_blur',
  'img_encode',
  'synth',
  'level_meter',
];

/** Whether name is a function of wmesh_std. */
export declare function isStdFunction(name: unknown): name is StdFunction;

/** Whether a WmError's fn names wmesh_std functions only: one, or a chain's stages joined by "|". */
export declare function isStdCall(fn: string | undefined): boolean;

/** The most img_decode reads, and the longest line reverse holds: 256 MiB (past it, WMSTD_ETOOBIG). */
export declare const STD_MAX_INPUT: number;
/** The most inflate writes: 1 GiB (past it, WMSTD_ELIMIT). */
export declare const STD_MAX_INFLATE: number;
/** deflate's level: 6, zlib's default and node:zlib's. */
export declare const STD_DEFLATE_LEVEL: 6;

/**
 * Names the function that deflates at a level (a function takes only its
 * pipes, so the level is in its name): 'deflate' for the default (6, or
 * no level), else 'deflate_1' to 'deflate_9'. Use it as a stage:
 * `mesh.chain(['mine', deflateStage(9)], input)`. Throws a RangeError for
 * a level that is not an integer from 1 to 9.
 */
export declare function deflateStage(level?: number): 'deflate' | `deflate_${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}`;
/** The most pixels an image has a side: 16384. */
export declare const STD_MAX_SIDE: number;
/** The most pixels an image has in all: 64 Mi. */
export declare const STD_MAX_PIXELS: number;
/** The largest blur radius: 64. */
export declare const STD_MAX_RADIUS: number;

/**
 * wmesh_std's own result codes (include/wmesh_std.h), below the runtime's
 * range [-99, -1]; its functions also fail with the runtime's codes.
 */
export declare const stdCodes: Readonly<{
  /** The input is not in the function's format: not one zlib stream (inflate), not an image (img_decode), not a frame (img_resize, img_grayscale, img_blur, img_encode), a bad request (level_meter). */
  WMSTD_EFORMAT: -100;
  /** img_decode got more than 256 MiB, or reverse a longer line: "input too large (limit 256 MiB)". */
  WMSTD_ETOOBIG: -101;
  /** img_resize got a frame with no target size (no options header, or width and height 0). */
  WMSTD_ENOSIZE: -102;
  /** img_blur got a frame with blur radius 0. */
  WMSTD_ENORADIUS: -103;
  /** img_decode's "WMJ1" header is cut short, or a value is out of range (side above 16384, blur above 64). */
  WMSTD_EOPTIONS: -104;
  /** The image, or the size img_resize would make, is above 16384 px a side or 64 Mpixel. */
  WMSTD_EIMAGE: -105;
  /** inflate's output passed 1 GiB (a zip bomb?): it stops there. */
  WMSTD_ELIMIT: -106;
}>;

/** The name of a code of stdCodes. */
export type StdCodeName = keyof typeof stdCodes;

/** Describes a code of a wmesh_std function (stdCodes, else the runtime's strerror); with fn, WMSTD_EFORMAT names the format it wanted. */
export declare function stdStrerror(code: number, fn?: string): string;

/** The name of a code of stdCodes ("WMSTD_ETOOBIG"), or undefined. */
export declare function stdCodeName(code: number): StdCodeName | undefined;

/**
 * A WmError's message with its std code described ("inflate: input is not a
 * zlib stream ... (-100)") when it comes from wmesh_std functions; for any
 * other error, its own message.
 */
export declare function stdErrorMessage(e: { code?: number; fn?: string; message: string }): string;

/** The options of wmesh_std's image functions. */
export interface ImageOptions {
  /** img_resize's width, 0 to 16384; 0 or absent: follow the height's aspect ratio. */
  width?: number;
  /** img_resize's height, 0 to 16384; 0 or absent: follow the width's aspect ratio. */
  height?: number;
  /** img_blur's box blur radius, 0 to 64; 0 or absent: no blur stage. */
  blur?: number;
  /** imageStages (and thumbnail) add img_grayscale. */
  gray?: boolean;
  /** imageStages (and thumbnail) end with img_encode (PNG) unless false (a frame). */
  encode?: boolean;
}

/** The size of the options header: 16 bytes. */
export declare const IMAGE_OPTIONS_BYTES: 16;

/**
 * The 16-byte options header img_decode reads in front of the image file,
 * and hands on in every frame to img_resize (width, height) and img_blur
 * (blur): "WMJ1" | width | height | blur, little-endian u32s. Throws a
 * RangeError for a value out of range.
 */
export declare function imageOptions(o?: ImageOptions): Uint8Array;

/** img_decode's input: imageOptions(o), then the file. */
export declare function imageJob(file: Uint8Array, o?: ImageOptions): Uint8Array;

/** The chain for the options: img_decode, img_resize if width or height, img_grayscale if gray, img_blur if blur, img_encode unless encode is false. */
export declare function imageStages(o?: ImageOptions): StdFunction[];

/**
 * Runs the image chain on a mesh of wmesh_std: the file resized (width
 * and/or height), optionally gray and blurred, as a PNG (a frame with
 * encode: false). Rejects with a RangeError with neither width nor height.
 */
export declare function thumbnail(mesh: Mesh<any>, file: Uint8Array, o: ImageOptions): Promise<Uint8Array>;

/**
 * Reads a frame (what img_decode, img_resize, img_grayscale and img_blur
 * write): a 32-byte header of little-endian u32s "WMF1" | width | height |
 * 4 | resize width | resize height | blur | gray, then width * height RGBA
 * pixels, row by row.
 */
export declare function parseImageFrame(b: Uint8Array): { width: number; height: number; pixels: Uint8Array };
