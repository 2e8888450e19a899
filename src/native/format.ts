// The native module file: a WebAssembly module (the programs compiled by the JIT's code generator, one
// export per program) followed by custom sections that carry everything else a loader, `show sections`
// and the Studio need, and last the signature over every byte before it. The file is what bpf2c's
// driver is on Windows: compiled code, its maps and program metadata, and the hash of the source object.
//
//   type, import, function, global, export, code   the compiled programs (imports: env.memory, helper, fault, lookup)
//   ebpf.module        JSON: format version, object name, license, platform, whether accesses are checked
//   ebpf.maps          JSON: map definitions, names, pinning, initial values, BTF type ids, initial data (base64)
//   ebpf.programs      JSON: section, name, program and attach type, export, helper ids, instruction count,
//                      functions, map references, program-info hash (spec §4.4)
//   ebpf.relocations   JSON: where in the code each map reference's address goes (a padded i64.const)
//   ebpf.btf           the object's raw .BTF section (absent when it has none)
//   ebpf.instructions  the original instructions of every program, 8-byte slots, in program order
//   ebpf.lines         JSON: line info per program
//   ebpf.hash          32 bytes: SHA-256 of the source object (what `show hash` prints)
//   ebpf.signature     JSON: algorithm, public key and Ed25519 signature over every byte before this section

/** The `format` string of a native module's `ebpf.module` section. */
export const NATIVE_FORMAT = 'ebpf-for-node native module';
export const NATIVE_VERSION = 1;

/** Custom section names, in file order. */
export const SECTION = {
  module: 'ebpf.module',
  maps: 'ebpf.maps',
  programs: 'ebpf.programs',
  relocations: 'ebpf.relocations',
  btf: 'ebpf.btf',
  instructions: 'ebpf.instructions',
  lines: 'ebpf.lines',
  hash: 'ebpf.hash',
  signature: 'ebpf.signature',
} as const;

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** A file that is not a well-formed native module: what is wrong and where (a section name, a byte offset). */
export class NativeModuleError extends Error {
  readonly code: 'NOT_NATIVE' | 'MALFORMED' | 'UNSIGNED' | 'BAD_SIGNATURE' | 'UNTRUSTED' | 'PROGRAM_INFO_MISMATCH' | 'VERIFICATION_FAILED' | 'NOT_SUPPORTED' | 'KEY';
  constructor(code: NativeModuleError['code'], message: string) {
    super(message);
    this.name = 'NativeModuleError';
    this.code = code;
  }
}

/** One section of a WebAssembly module as it lies in the file. */
export interface WasmSection {
  readonly id: number;
  /** A custom section's name. */
  readonly name?: string;
  /** Offset of the section's id byte. */
  readonly start: number;
  /** Offset of the payload (after a custom section's name). */
  readonly payloadStart: number;
  readonly end: number;
}

/** Whether the bytes begin as a WebAssembly module does. */
export function hasWasmMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && WASM_MAGIC.slice(0, 4).every((b, i) => bytes[i] === b);
}

function readUleb(bytes: Uint8Array, at: number, what: string): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (at + i >= bytes.length) throw new NativeModuleError('MALFORMED', `${what} at offset 0x${at.toString(16)} runs past the end of the file (${bytes.length} bytes): the file is truncated`);
    const byte = bytes[at + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
  }
  throw new NativeModuleError('MALFORMED', `${what} at offset 0x${at.toString(16)} is longer than 5 bytes`);
}

/** Walks the sections of a WebAssembly module, checking that every length stays inside the file. */
export function readWasmSections(bytes: Uint8Array): WasmSection[] {
  if (!hasWasmMagic(bytes)) throw new NativeModuleError('NOT_NATIVE', 'not a native module: the file does not begin with the WebAssembly magic number (\\0asm)');
  if (bytes.length < 8 || !WASM_MAGIC.every((b, i) => bytes[i] === b)) throw new NativeModuleError('MALFORMED', 'WebAssembly version is not 1, or the file ends inside the header');
  const sections: WasmSection[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at]!;
    if (id > 12) throw new NativeModuleError('MALFORMED', `section id ${id} at offset 0x${at.toString(16)} is not a WebAssembly section`);
    const size = readUleb(bytes, at + 1, `length of section ${id}`);
    const end = size.next + size.value;
    if (end > bytes.length) throw new NativeModuleError('MALFORMED', `section ${id} at offset 0x${at.toString(16)} needs ${size.value} bytes, the file has ${bytes.length - size.next} left: the file is truncated`);
    if (id === 0) {
      const length = readUleb(bytes, size.next, 'custom section name length');
      if (length.next + length.value > end) throw new NativeModuleError('MALFORMED', `custom section name at offset 0x${size.next.toString(16)} runs past its section`);
      let name: string;
      try {
        name = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(length.next, length.next + length.value));
      } catch {
        throw new NativeModuleError('MALFORMED', `custom section name at offset 0x${length.next.toString(16)} is not UTF-8`);
      }
      sections.push({ id, name, start: at, payloadStart: length.next + length.value, end });
    } else {
      sections.push({ id, start: at, payloadStart: size.next, end });
    }
    at = end;
  }
  return sections;
}

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** A custom section: id 0, length, name, payload. */
export function customSection(name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const content = [...uleb(nameBytes.length), ...nameBytes];
  const header = [0, ...uleb(content.length + payload.length), ...content];
  const out = new Uint8Array(header.length + payload.length);
  out.set(header, 0);
  out.set(payload, header.length);
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** JSON as the bytes of a custom section. */
export function jsonPayload(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** A custom section's JSON, with the section named when it is not JSON. */
export function parseJsonPayload(bytes: Uint8Array, section: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new NativeModuleError('MALFORMED', `section ${section}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * The i64.const immediate a relocation patches: 10 bytes of signed LEB128, the most an i64 takes, so any
 * address fits in place (WebAssembly accepts the padded form, as its own linking convention relies on).
 */
export const RELOCATION_WIDTH = 10;

/** Signed LEB128 of `value` padded to exactly RELOCATION_WIDTH bytes. */
export function paddedSleb64(value: bigint): Uint8Array {
  let v = BigInt.asIntN(64, value);
  const out = new Uint8Array(RELOCATION_WIDTH);
  for (let i = 0; i < RELOCATION_WIDTH; i++) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out[i] = i < RELOCATION_WIDTH - 1 ? byte | 0x80 : byte;
  }
  return out;
}
