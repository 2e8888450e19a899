// The shape of a platform description: what the verifier, the runtime, the CLI and the Studio need to
// know about helpers, program types, map types, attach types and section names.

/** What a helper argument must be (eBPF for Windows / PREVAIL argument kinds). */
export type ArgKind =
  | 'anything' | 'dontcare' | 'ctx' | 'map' | 'map_of_programs' | 'map_key' | 'map_value'
  | 'readable_mem' | 'readable_mem_or_null' | 'writable_mem' | 'const_size' | 'const_size_or_zero'
  // Linux's: the context or null; memory the helper reads and then overwrites (bpf_fib_lookup's params);
  // writable memory or null; a 4- or 8-byte integer the helper writes (bpf_strtol's result, bpf_check_mtu's
  // mtu); the constant size of memory the helper allocates (bpf_ringbuf_reserve); memory it allocated, at
  // its start (bpf_ringbuf_submit/discard).
  | 'ctx_or_null' | 'readwrite_mem' | 'writable_mem_or_null' | 'writable_int' | 'writable_long'
  | 'const_alloc_size_or_zero' | 'alloc_mem';

/** What a helper returns. */
export type ReturnKind = 'integer' | 'map_value_or_null' | 'integer_or_no_return_if_succeed' | 'void'
  // Linux's: a map value that cannot be null (bpf_get_local_storage); memory of the size the
  // const_alloc_size_or_zero argument gave, or null (bpf_ringbuf_reserve).
  | 'map_value' | 'alloc_mem_or_null';

/** A helper's prototype, as the verifier checks calls against it. A `const_size` or `const_size_or_zero`
 *  argument always gives the size of the memory argument just before it. */
export interface HelperPrototype {
  readonly id: number;
  /** The name the verifier reports (`bpf_map_lookup_elem`; `bpf_memcpy` for id 22). */
  readonly name: string;
  /** The name C programs call it by, when it differs from `name` (`bpf_memcpy_s`). */
  readonly cName?: string;
  readonly returns: ReturnKind;
  readonly args: readonly ArgKind[];
  /** The helper may move the packet (bpf_xdp_adjust_head): packet pointers are invalid after it. */
  readonly reallocatesPacket?: boolean;
  /** The implementation also receives the program's context, which the program does not pass. */
  readonly implicitContext?: boolean;
  /** The map types (ids) its map argument may be; any when absent (Linux's helpers restrict them). */
  readonly mapTypes?: readonly number[];
  /**
   * Why a call to it is refused (the verifier has no model for its arguments or results: sockets, BTF
   * objects, spin locks, callbacks; or the program type may not call it), naming the helper and the reason.
   */
  readonly unsupported?: string;
}

/** One field of a program type's context. Union members are listed each, at the same offset. */
export interface ContextField {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly writable: boolean;
  /** Set on the pointer fields into the context's data (8 bytes on Windows; Linux's __sk_buff and xdp_md hold 4). */
  readonly pointer?: 'data' | 'data_end' | 'meta';
}

/** A program type: its context layout, valid return values and own helpers. */
export interface ProgramTypeSpec {
  /** enum bpf_prog_type value. */
  readonly id: number;
  /** The type name netsh and libbpf print (`bind`, `xdp`, `sock_addr`). */
  readonly name: string;
  /** The enum bpf_prog_type name in ebpf_structs.h (`BPF_PROG_TYPE_BIND`). */
  readonly enumName: string;
  /** The program type's GUID (eBPF for Windows identifies types by GUID in its extension ABI). */
  readonly guid: string;
  readonly contextSize: number;
  readonly fields: readonly ContextField[];
  /** Offset of the data pointer in the context, -1 if none. */
  readonly dataOffset: number;
  readonly dataEndOffset: number;
  readonly metaOffset: number;
  /** Valid return values (inclusive), when the type restricts them. */
  readonly returnRange?: readonly [number, number];
  /** Helpers of this type only (ids >= 65536). */
  readonly helpers: readonly HelperPrototype[];
  /** General helpers this type's extension implements itself (same ids; some take the context implicitly). */
  readonly globalHelperOverrides: readonly HelperPrototype[];
  readonly defaultAttachType: number;
  /** Context struct name in the C headers (`bind_md_t`). */
  readonly contextStruct: string;
  /** The header in include/ that declares the context, its verdicts and its helpers. */
  readonly header: string;
}

/** A map type. */
export interface MapTypeSpec {
  readonly id: number;
  /** BPF_MAP_TYPE_HASH */
  readonly name: string;
  /** `hash`: what netsh and bpftool print. */
  readonly displayName: string;
  /** One value per CPU (a perf event array is one ring per CPU). */
  readonly perCpu: boolean;
  /** Values are addressed by index (arrays): lookups never fail inside max_entries. */
  readonly isArray: boolean;
  /** What values hold: plain bytes, program ids or map ids. */
  readonly valueKind: 'data' | 'program' | 'map';
  /** Values are inner maps (`valueKind === 'map'`). */
  readonly isMapOfMaps: boolean;
  /** Values are programs, for bpf_tail_call (`valueKind === 'program'`). */
  readonly isProgArray: boolean;
  /** Queue, stack and ring buffer maps have no keys. */
  readonly keyless: boolean;
}

/** An attach type. */
export interface AttachTypeSpec {
  readonly id: number;
  /** The attach type's display name is its section prefix (`cgroup/connect4`). */
  readonly name: string;
  /** The enum bpf_attach_type name in ebpf_structs.h (`BPF_CGROUP_INET4_CONNECT`). */
  readonly enumName: string;
  readonly programType: number;
  readonly guid: string;
}

/** A section-name prefix and the types it selects. */
export interface SectionSpec {
  readonly prefix: string;
  readonly programType: number;
  readonly attachType: number;
}

/** A whole platform: eBPF for Windows (`windowsPlatform`) or Linux (`linuxPlatform`). */
export interface Platform {
  readonly name: string;
  /** The runtime executes the legacy packet loads LD_ABS/LD_IND (Linux does; eBPF for Windows does not). */
  readonly legacyPacketAccess?: boolean;
  /**
   * C library functions clang may leave as calls to an undefined symbol (`memset`, `memcpy`, `memmove`,
   * `memcmp`, with the size in r3) that the platform's loader provides: calls to them are verified as such.
   */
  readonly builtinCalls?: readonly string[];
  /** The general helpers, by id. */
  readonly helpers: ReadonlyMap<number, HelperPrototype>;
  readonly programTypes: readonly ProgramTypeSpec[];
  readonly mapTypes: readonly MapTypeSpec[];
  readonly attachTypes: readonly AttachTypeSpec[];
  readonly sections: readonly SectionSpec[];
  programTypeById(id: number): ProgramTypeSpec | undefined;
  programTypeByName(name: string): ProgramTypeSpec | undefined;
  /**
   * Section name -> program and attach type; the longest matching prefix wins. `objectPath`, when known,
   * lets a platform read the type from the file's name where the section name does not give it (Linux:
   * Cilium's objects name their XDP and lxc programs only in the file name).
   */
  sectionInfo(section: string, objectPath?: string): SectionSpec | undefined;
  /** The prototype a program of this type calls by `id`: the type's own or overriding one, else the general one. */
  helper(programType: ProgramTypeSpec | undefined, id: number): HelperPrototype | undefined;
  mapTypeById(id: number): MapTypeSpec | undefined;
  attachTypeById(id: number): AttachTypeSpec | undefined;
}
