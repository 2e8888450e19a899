// The shape of a platform description: what the verifier, the runtime, the CLI and the Studio need to
// know about helpers, program types, map types, attach types and section names.

/** What a helper argument must be (eBPF for Windows / PREVAIL argument kinds). */
export type ArgKind =
  | 'anything' | 'dontcare' | 'ctx' | 'map' | 'map_of_programs' | 'map_key' | 'map_value'
  | 'readable_mem' | 'readable_mem_or_null' | 'writable_mem' | 'const_size' | 'const_size_or_zero';

/** What a helper returns. */
export type ReturnKind = 'integer' | 'map_value_or_null' | 'integer_or_no_return_if_succeed' | 'void';

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
}

/** One field of a program type's context. Union members are listed each, at the same offset. */
export interface ContextField {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly writable: boolean;
  /** Set on the pointer fields into the context's data. */
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

/** A whole platform: eBPF for Windows here; a Linux one could be added beside it. */
export interface Platform {
  readonly name: string;
  /** The general helpers, by id. */
  readonly helpers: ReadonlyMap<number, HelperPrototype>;
  readonly programTypes: readonly ProgramTypeSpec[];
  readonly mapTypes: readonly MapTypeSpec[];
  readonly attachTypes: readonly AttachTypeSpec[];
  readonly sections: readonly SectionSpec[];
  programTypeById(id: number): ProgramTypeSpec | undefined;
  programTypeByName(name: string): ProgramTypeSpec | undefined;
  /** Section name -> program and attach type; the longest matching prefix wins. */
  sectionInfo(section: string): SectionSpec | undefined;
  /** The prototype a program of this type calls by `id`: the type's own or overriding one, else the general one. */
  helper(programType: ProgramTypeSpec | undefined, id: number): HelperPrototype | undefined;
  mapTypeById(id: number): MapTypeSpec | undefined;
  attachTypeById(id: number): AttachTypeSpec | undefined;
}
