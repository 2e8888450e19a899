// Reading a native module: its sections walked and every JSON section checked (`readNativeModule`, for
// inspection: `show sections`, `show disassembly`, `show hash`), and the checks a load makes before any
// code runs (`checkNativeModule`): an intact signature, by a trusted key unless in test-signing mode, and
// program-info hashes that match the running platform. No verification happens at load, as on Windows.

import { Btf } from '../btf/btf.ts';
import { decodeInstructions, INSTRUCTION_SIZE, type Instruction } from '../isa/instruction.ts';
import type { MapSpec, ObjectSpec, ProgramLineInfo, ProgramSpec } from '../object/index.ts';
import type { Platform } from '../platform/index.ts';
import { NATIVE_FORMAT, NATIVE_VERSION, NativeModuleError, parseJsonPayload, readWasmSections, RELOCATION_WIDTH, SECTION, type WasmSection } from './format.ts';
import { headerFromJson, linesFromJson, mapFromJson, programsFromJson, relocationsFromJson, type ModuleHeader, type ProgramRecord, type RelocationRecord } from './metadata.ts';
import { programInfoHash } from './program-info.ts';
import { fingerprintOf, verifyBytes } from './signing.ts';

/** A program of a native module: its record, original instructions and line info. */
export interface NativeProgram extends ProgramRecord {
  readonly instructions: readonly Instruction[];
  readonly lineInfo: readonly ProgramLineInfo[];
}

/** The signature section. */
export interface ModuleSignature {
  readonly publicKey: Uint8Array;
  readonly fingerprint: string;
  readonly signature: Uint8Array;
  /** Bytes the signature covers: the file up to the signature section. */
  readonly signedLength: number;
}

/** A native module read from its bytes (not yet trusted: see checkNativeModule). */
export interface NativeModule {
  readonly bytes: Uint8Array;
  readonly header: ModuleHeader;
  readonly maps: readonly MapSpec[];
  readonly programs: readonly NativeProgram[];
  readonly relocations: readonly RelocationRecord[];
  /** The object's raw .BTF, when it had one. */
  readonly btfBytes?: Uint8Array;
  /** SHA-256 of the source object. */
  readonly sourceHash?: Uint8Array;
  readonly signature?: ModuleSignature;
  /** End of the WebAssembly code (the standard sections before the first custom one). */
  readonly codeEnd: number;
}

/** Who may sign modules that load: trusted public keys, or anyone in test-signing mode. */
export interface SigningPolicy {
  readonly trustedKeys: readonly Uint8Array[];
  /** Any intact signature loads (`ebpf service start --testsigning`, bcdedit's testsigning). */
  readonly testSigning: boolean;
}

function signatureOf(bytes: Uint8Array, section: WasmSection): ModuleSignature {
  const json = parseJsonPayload(bytes.subarray(section.payloadStart, section.end), SECTION.signature) as Record<string, unknown> | null;
  const b64 = /^[A-Za-z0-9+/]*={0,2}$/;
  if (!json || json.algorithm !== 'ed25519' || typeof json.publicKey !== 'string' || typeof json.signature !== 'string' || !b64.test(json.publicKey) || !b64.test(json.signature)) {
    throw new NativeModuleError('MALFORMED', `section ${SECTION.signature}: must hold algorithm 'ed25519', publicKey and signature (base64)`);
  }
  const publicKey = new Uint8Array(Buffer.from(json.publicKey, 'base64'));
  const signature = new Uint8Array(Buffer.from(json.signature, 'base64'));
  if (publicKey.length !== 32 || signature.length !== 64) throw new NativeModuleError('MALFORMED', `section ${SECTION.signature}: an Ed25519 key is 32 bytes and a signature 64 (got ${publicKey.length} and ${signature.length})`);
  // Only the canonical form is accepted: the section is not itself signed, so it must have one spelling.
  const canonical = JSON.stringify({ algorithm: 'ed25519', publicKey: Buffer.from(publicKey).toString('base64'), signature: Buffer.from(signature).toString('base64') });
  if (Buffer.compare(Buffer.from(canonical), bytes.subarray(section.payloadStart, section.end)) !== 0) {
    throw new NativeModuleError('BAD_SIGNATURE', `section ${SECTION.signature} is not in its canonical form: it was changed after signing`);
  }
  return { publicKey, fingerprint: fingerprintOf(publicKey), signature, signedLength: section.start };
}

/** Reads a native module's structure and metadata; throws NativeModuleError naming the section at fault. */
export function readNativeModule(bytes: Uint8Array): NativeModule {
  const sections = readWasmSections(bytes);
  const custom = new Map<string, WasmSection>();
  for (const s of sections) {
    if (s.name === undefined) continue;
    if (custom.has(s.name)) throw new NativeModuleError('MALFORMED', `section ${s.name} appears twice`);
    custom.set(s.name, s);
  }
  const moduleSection = custom.get(SECTION.module);
  if (!moduleSection) throw new NativeModuleError('NOT_NATIVE', `not a native module: a WebAssembly module without the ${SECTION.module} section (build one with 'ebpf native')`);
  const payload = (name: string): Uint8Array => {
    const s = custom.get(name);
    if (!s) throw new NativeModuleError('MALFORMED', `section ${name} is missing: the file is truncated or was not written by 'ebpf native'`);
    return bytes.subarray(s.payloadStart, s.end);
  };
  const header = headerFromJson(parseJsonPayload(payload(SECTION.module), SECTION.module));
  if (header.format !== NATIVE_FORMAT || header.version !== NATIVE_VERSION) {
    throw new NativeModuleError('NOT_SUPPORTED', `section ${SECTION.module}: format '${header.format}' version ${header.version} is not '${NATIVE_FORMAT}' version ${NATIVE_VERSION}`);
  }
  const signatureSection = custom.get(SECTION.signature);
  if (signatureSection && signatureSection !== sections[sections.length - 1]) throw new NativeModuleError('MALFORMED', `section ${SECTION.signature} must be the last section: bytes follow it`);
  const mapsJson = parseJsonPayload(payload(SECTION.maps), SECTION.maps);
  if (!Array.isArray(mapsJson)) throw new NativeModuleError('MALFORMED', `section ${SECTION.maps}: must be an array of maps`);
  const maps = mapsJson.map((m, i) => mapFromJson(m, `maps[${i}]`));
  const records = programsFromJson(parseJsonPayload(payload(SECTION.programs), SECTION.programs));
  const relocations = relocationsFromJson(parseJsonPayload(payload(SECTION.relocations), SECTION.relocations));
  const lines = linesFromJson(parseJsonPayload(payload(SECTION.lines), SECTION.lines));
  const instructionBytes = payload(SECTION.instructions);
  const total = records.reduce((n, r) => n + r.instructionCount, 0);
  if (instructionBytes.length !== total * INSTRUCTION_SIZE) {
    throw new NativeModuleError('MALFORMED', `section ${SECTION.instructions}: ${instructionBytes.length} bytes, but the programs count ${total} instructions (${total * INSTRUCTION_SIZE} bytes)`);
  }
  if (lines.length !== records.length) throw new NativeModuleError('MALFORMED', `section ${SECTION.lines}: ${lines.length} lists for ${records.length} programs`);
  const firstCustom = sections.find((s) => s.id === 0);
  const codeEnd = firstCustom ? firstCustom.start : bytes.length;
  let at = 0;
  const programs = records.map((record, i) => {
    const instructions = decodeInstructions(instructionBytes.subarray(at * INSTRUCTION_SIZE, (at + record.instructionCount) * INSTRUCTION_SIZE));
    at += record.instructionCount;
    for (const ref of record.mapReferences) {
      if (ref.mapIndex >= maps.length) throw new NativeModuleError('MALFORMED', `section ${SECTION.programs}: ${record.name} refers to map ${ref.mapIndex}, and there are ${maps.length}`);
    }
    return { ...record, instructions, lineInfo: lines[i]! };
  });
  for (const r of relocations) {
    const where = `section ${SECTION.relocations}: relocation of ${r.program}:${r.pc}`;
    if (r.program >= programs.length) throw new NativeModuleError('MALFORMED', `${where} names program ${r.program}, and there are ${programs.length}`);
    if (r.mapIndex >= maps.length) throw new NativeModuleError('MALFORMED', `${where} names map ${r.mapIndex}, and there are ${maps.length}`);
    if (r.at < 9 || r.at + RELOCATION_WIDTH > codeEnd || bytes[r.at - 1] !== 0x42) throw new NativeModuleError('MALFORMED', `${where}: offset 0x${r.at.toString(16)} is not an i64.const immediate in the code`);
  }
  const hash = custom.get(SECTION.hash);
  const btf = custom.get(SECTION.btf);
  return {
    bytes, header, maps, programs, relocations, codeEnd,
    ...(btf ? { btfBytes: bytes.subarray(btf.payloadStart, btf.end) } : {}),
    ...(hash ? { sourceHash: bytes.subarray(hash.payloadStart, hash.end) } : {}),
    ...(signatureSection ? { signature: signatureOf(bytes, signatureSection) } : {}),
  };
}

/**
 * Everything a load checks before any code runs, in this order: the file is a native module; it is
 * signed; the signature covers its bytes as they are now; the key is trusted (or test signing is on);
 * its metadata is well formed; every program's program-info hash matches `platform`'s.
 */
export function checkNativeModule(bytes: Uint8Array, policy: SigningPolicy, platform: Platform): NativeModule {
  const sections = readWasmSections(bytes);
  const last = sections[sections.length - 1];
  const signatureSection = sections.find((s) => s.name === SECTION.signature);
  if (!signatureSection) {
    if (!sections.some((s) => s.name === SECTION.module)) throw new NativeModuleError('NOT_NATIVE', `not a native module: a WebAssembly module without the ${SECTION.module} section (build one with 'ebpf native')`);
    throw new NativeModuleError('UNSIGNED', 'the native module is not signed, and only signed native modules load');
  }
  if (signatureSection !== last) throw new NativeModuleError('BAD_SIGNATURE', `bytes were appended after the ${SECTION.signature} section`);
  const signature = signatureOf(bytes, signatureSection);
  if (!verifyBytes(signature.publicKey, bytes.subarray(0, signature.signedLength), signature.signature)) {
    throw new NativeModuleError('BAD_SIGNATURE', `the signature (key ${signature.fingerprint.slice(0, 16)}) does not match the module's contents: it was changed after signing`);
  }
  const trusted = policy.trustedKeys.some((k) => fingerprintOf(k) === signature.fingerprint);
  if (!trusted && !policy.testSigning) {
    throw new NativeModuleError('UNTRUSTED', `the module is signed by key ${signature.fingerprint.slice(0, 16)}, which is not trusted: trust it with 'ebpf trust add KEYFILE', or start the service with --testsigning`);
  }
  const module = readNativeModule(bytes);
  if (module.header.platform !== platform.name) throw new NativeModuleError('PROGRAM_INFO_MISMATCH', `the module was built for platform ${module.header.platform}, this is ${platform.name}`);
  for (const program of module.programs) {
    const now = programInfoHash(platform, program.programType, program.helpers);
    if (now !== program.programInfoHash) {
      const type = platform.programTypeById(program.programType)?.name ?? `type ${program.programType}`;
      throw new NativeModuleError(
        'PROGRAM_INFO_MISMATCH',
        `program ${program.name} was verified against a ${type} program type or helper prototypes (${program.helpers.join(', ') || 'none'}) that differ from this platform's ` +
          `(program-info hash ${program.programInfoHash.slice(0, 16)}, now ${now.slice(0, 16)}); rebuild it with 'ebpf native'`,
      );
    }
  }
  return module;
}

/** The module seen as an object file, for `show sections`, `show disassembly` and the Studio. */
export function nativeObject(module: NativeModule, name: string): ObjectSpec {
  const programs: ProgramSpec[] = module.programs.map((p) => ({
    name: p.name, section: p.section, sectionIndex: p.sectionIndex, sectionSize: p.sectionSize,
    programType: p.programType, attachType: p.attachType, offset: p.offset, size: p.size,
    instructions: p.instructions, lineInfo: p.lineInfo, functions: p.functions, mapReferences: p.mapReferences, externCalls: [],
  }));
  let btf: Btf | undefined;
  if (module.btfBytes) {
    try {
      btf = Btf.parse(module.btfBytes);
    } catch (error) {
      throw new NativeModuleError('MALFORMED', `section ${SECTION.btf}: ${(error as Error).message}`);
    }
  }
  return { name, programs, maps: module.maps, ...(btf ? { btf } : {}), license: module.header.license, platformMarker: false, sections: [] };
}
