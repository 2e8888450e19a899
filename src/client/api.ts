// The service's API as plain data: the records it returns (programs, maps, links, pins, processes), the
// calls it accepts and the events it streams. The CLI, the Node hook and the Studio speak only this, in
// process or over the socket; nothing here knows how the runtime stores anything.

/** Execution mode of a loaded program, as `show programs` prints it. */
export type ProgramMode = 'JIT' | 'INTERPRET' | 'NATIVE';

/** A loaded program. */
export interface ProgramInfo {
  readonly id: number;
  readonly name: string;
  /** Program type display name (`bind`, `xdp`, `sock_addr`, ...). */
  readonly type: string;
  readonly section: string;
  /** The object file's name as the user gave it. */
  readonly fileName: string;
  readonly mode: ProgramMode;
  readonly mapIds: readonly number[];
  readonly pinnedPaths: readonly string[];
  readonly linkIds: readonly number[];
  readonly runCount: number;
  readonly runTimeNs: number;
}

/** A live map. */
export interface MapInfo {
  readonly id: number;
  readonly name: string;
  /** Map type display name (`hash`, `array_of_maps`, ...). */
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** Id of the inner map template of a map of maps, 0 otherwise. */
  readonly innerMapId: number;
  readonly pinnedPaths: readonly string[];
  /** Whether BTF describes the key and value (so `map dump` can decode them). */
  readonly typed: boolean;
}

/** An attachment of a program to a hook. */
export interface LinkInfo {
  readonly id: number;
  readonly programId: number;
  /** Attach type name (`bind`, `cgroup/connect4`, `xdp`, ...). */
  readonly attachType: string;
  /** XDP: the interface index the program is attached to. */
  readonly interfaceIndex?: number;
  /** CGROUP_SOCK_ADDR: the compartment id. */
  readonly compartment?: number;
}

/** One path of the pinning namespace. */
export interface PinInfo {
  readonly path: string;
  readonly kind: 'program' | 'map';
  readonly id: number;
}

/** A process connected to the service (netsh lists the processes holding the eBPF device open). */
export interface ProcessInfo {
  readonly pid: number;
  readonly name: string;
}

/** What the service reports about itself. */
export interface ServiceStatus {
  readonly pid: number;
  readonly home: string;
  readonly socketPath: string;
  readonly httpPort: number;
  readonly startedAt: string;
  readonly programs: number;
  readonly maps: number;
  readonly links: number;
  readonly pins: number;
}

/** One map entry in hex and, when BTF types the map, decoded. */
export interface MapEntry {
  readonly key: string;
  readonly value: string;
  readonly decodedKey?: unknown;
  readonly decodedValue?: unknown;
}

/** The result of a test run. */
export interface TestRunResult {
  readonly returnValue: string;
  readonly durationNs: number;
  /** Hex of the data and context after the run. */
  readonly dataOut: string;
  readonly contextOut: string;
}

/** A change the service streams to its watchers. */
export type ServiceEvent =
  | { type: 'object-loaded'; programIds: number[]; mapIds: number[] }
  | { type: 'object-unloaded'; programIds: number[]; mapIds: number[] }
  | { type: 'map-updated'; mapId: number; operation: 'update' | 'delete' | 'run' }
  | { type: 'map-created'; mapId: number }
  | { type: 'map-deleted'; mapId: number }
  | { type: 'link-attached'; linkId: number; programId: number }
  | { type: 'link-detached'; linkId: number; programId: number }
  | { type: 'pinned'; path: string; kind: 'program' | 'map'; id: number }
  | { type: 'unpinned'; path: string; kind: 'program' | 'map'; id: number }
  | { type: 'trace'; programId: number; text: string };

/** Parameters of `add program`. */
export interface LoadRequest {
  /** Absolute path of the object file. */
  readonly path: string;
  /** The file name to show (as the user typed it). */
  readonly fileName?: string;
  /** Section-like program type name for the first program (`bind`, `xdp`, ...). */
  readonly type?: string;
  readonly pinPath?: string;
  readonly pinned?: 'none' | 'first' | 'all';
  readonly execution?: 'jit' | 'interpret';
  readonly interface?: string;
  readonly compartment?: number;
}

/** What a successful load reports. */
export interface LoadResult {
  readonly programIds: number[];
  readonly mapIds: number[];
  readonly pinnedPaths: string[];
  readonly linkIds: number[];
}

/** An address as the application sees it. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** The events an application under the hook reports. */
export type HookEvent =
  | { kind: 'bind'; operation: 'bind' | 'unbind'; protocol: 'tcp' | 'udp'; local: Endpoint; pid: number; appId: string; listen: boolean }
  | { kind: 'connect'; protocol: 'tcp' | 'udp'; remote: Endpoint; local?: Endpoint; pid: number }
  | { kind: 'accept'; protocol: 'tcp' | 'udp'; local: Endpoint; remote: Endpoint; pid: number }
  | { kind: 'sockops'; op: 'active' | 'passive' | 'deleted'; protocol: 'tcp' | 'udp'; local: Endpoint; remote: Endpoint; pid: number }
  | { kind: 'process'; operation: 'create' | 'delete'; pid: number; parentPid: number; commandLine: string };

/** What the application must do. */
export interface HookDecision {
  readonly allow: boolean;
  /** Why not, naming the program (for the application's error message). */
  readonly reason?: string;
  /** Where to bind or connect instead (BIND_REDIRECT, a connect4 program rewriting the destination). */
  readonly redirect?: Endpoint;
  /** How many programs ran. */
  readonly programs: number;
}

/** The XDP verdict on one frame. */
export interface XdpDecision {
  readonly action: 'pass' | 'drop' | 'tx';
  readonly frame: Uint8Array;
  readonly programs: number;
}

/** Every call of the API: name -> [parameters, result]. */
export interface ApiCalls {
  status: [Record<string, never>, ServiceStatus];
  'programs.list': [Record<string, never>, ProgramInfo[]];
  'programs.load': [LoadRequest, LoadResult];
  /** Unpins, detaches and unloads; reports the paths it unpinned. */
  'programs.delete': [{ id: number }, { unpinned: string[] }];
  'programs.attach': [{ id: number; attachType?: string; interface?: string; compartment?: number }, LinkInfo];
  'programs.detach': [{ id: number }, { linkIds: number[] }];
  'programs.testRun': [{ id: number; dataIn?: string; contextIn?: string; repeat?: number }, TestRunResult];
  'maps.list': [Record<string, never>, MapInfo[]];
  'maps.create': [{ type: string; keySize: number; valueSize: number; maxEntries: number; name: string; flags?: number; pinPath: string }, MapInfo];
  'maps.lookup': [{ id: number; key: string }, MapEntry | null];
  'maps.update': [{ id: number; key: string; value: string; flags?: number }, Record<string, never>];
  'maps.delete': [{ id: number; key: string }, Record<string, never>];
  'maps.entries': [{ id: number; limit?: number }, MapEntry[]];
  'links.list': [Record<string, never>, LinkInfo[]];
  'links.detach': [{ id: number }, Record<string, never>];
  'pins.list': [Record<string, never>, PinInfo[]];
  'pins.pin': [{ kind: 'program' | 'map'; id: number; path: string }, { path: string }];
  'pins.unpin': [{ path: string; kind?: 'program' | 'map'; id?: number }, { path: string; id: number }];
  'pins.get': [{ path: string }, PinInfo];
  'processes.list': [Record<string, never>, ProcessInfo[]];
  'trace.read': [{ after?: number }, { next: number; lines: { seq: number; programId: number; text: string }[] }];
  /** An application under the Node hook reports an event; the attached programs decide. */
  'hooks.event': [HookEvent, HookDecision];
  /** The XDP relay presents a frame (hex) to the program attached on an interface. */
  'hooks.xdp': [{ interfaceIndex: number; frame: string }, { action: XdpDecision['action']; frame: string; programs: number }];
}

/** A call name. */
export type ApiCallName = keyof ApiCalls;

/** An error the API reports: a stable code (`NOT_FOUND`, `BAD_REQUEST`, `VERIFIER`, ...) and a message. */
export class ApiError extends Error {
  readonly code: string;
  /** Windows error number for netsh-style messages (ENOENT, 1168, ...), when one applies. */
  readonly errno: number | undefined;
  /** Extra text (the verifier log after `could not load program`). */
  readonly detail: string | undefined;
  constructor(code: string, message: string, extra: { errno?: number; detail?: string } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.errno = extra.errno;
    this.detail = extra.detail;
  }
}

/** The same API in process or through the service: one call, typed by name. */
export interface EbpfApi {
  call<N extends ApiCallName>(name: N, params: ApiCalls[N][0]): Promise<ApiCalls[N][1]>;
  /** Streams events until the returned function is called. */
  watch(onEvent: (event: ServiceEvent) => void): Promise<() => void>;
  close(): Promise<void>;
}
