// `ebpf native`: an object file to a signed native module, as bpf2c and Convert-BpfToNative do on
// Windows (spec §4.4): every program verified (nothing is written if one fails), compiled by the JIT's
// code generator into one WebAssembly module, its map references left as relocations, and the metadata,
// the original instructions, the source hash and the signature added as custom sections.

import { createHash, randomBytes } from 'node:crypto';
import { compileProgramsToWasm } from '../engines/jit/index.ts';
import { ElfFile } from '../elf/reader.ts';
import { encodeInstructions, type Instruction } from '../isa/instruction.ts';
import { PSEUDO_IMM64, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE } from '../isa/opcodes.ts';
import { openObject, type ObjectSpec, type ProgramSpec } from '../object/index.ts';
import { windowsPlatform, type Platform } from '../platform/index.ts';
import { verifyProgram, type ProgramVerification } from '../verifier/index.ts';
import { concatBytes, customSection, jsonPayload, NATIVE_FORMAT, NATIVE_VERSION, NativeModuleError, RELOCATION_WIDTH, SECTION } from './format.ts';
import { mapToJson, type ModuleHeader, type ProgramRecord, type RelocationRecord } from './metadata.ts';
import { helpersUsed, programInfoHash } from './program-info.ts';
import { signBytes, type SigningKey } from './signing.ts';

/** Options of `buildNativeModule`. */
export interface BuildOptions {
  /** The object's name in the module (default `object`). */
  readonly name?: string;
  readonly platform?: Platform;
  /** Section-like program type for every program (`bind`, `xdp`, `cgroup/connect4`), as bpf2c's --type. */
  readonly type?: string;
  readonly key: SigningKey;
  /** Bounds-check every memory access in the compiled code (default false: the verifier proved them). */
  readonly checked?: boolean;
}

/** What was built. */
export interface BuiltModule {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly programs: readonly { name: string; section: string; type: string }[];
  /** SHA-256 of the source object, hex. */
  readonly sourceHash: string;
}

/** The programs a module carries: `.text` functions only when the object has nothing else, as netsh lists them. */
function modulePrograms(object: ObjectSpec): readonly ProgramSpec[] {
  const others = object.programs.filter((p) => p.section !== '.text');
  return others.length > 0 ? others : object.programs;
}

/** The program and attach type a `--type` string names: a section prefix, else a program type name. */
export function resolveTypeOption(platform: Platform, type: string): { programType: number; attachType: number } {
  const section = platform.sectionInfo(type);
  if (section && platform.programTypeById(section.programType)) return { programType: section.programType, attachType: section.attachType };
  const named = platform.programTypeByName(type);
  if (named) return { programType: named.id, attachType: named.defaultAttachType };
  const known = platform.programTypes.filter((t) => t.id !== 0).map((t) => t.name);
  throw new NativeModuleError('NOT_SUPPORTED', `unknown program type '${type}' (known: ${known.join(', ')}, or a section name such as cgroup/connect4)`);
}

/** The verifier's errors in netsh's failure form: each with its source line, then the count. */
function verificationReport(verification: ProgramVerification): string {
  let report = '';
  for (const error of verification.errors) {
    if (error.line) report += `; ${error.line.file}:${error.line.line}\n; ${error.line.source}\n\n`;
    report += `${error.pc}: ${error.message}\n\n`;
  }
  return `Verification report:\n\n${report}${verification.errors.length} errors`;
}

/** An lddw map reference turned into a placeholder the compiled code will hold exactly once. */
interface Placeholder {
  readonly value: bigint;
  readonly program: number;
  readonly pc: number;
  readonly mapIndex: number;
  readonly kind: 'map' | 'value';
  readonly offset: number;
}

function signedLeb(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asIntN(64, value);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** Offsets of every occurrence of `pattern` in `bytes`. */
function occurrences(bytes: Uint8Array, pattern: readonly number[]): number[] {
  const found: number[] = [];
  outer: for (let i = 0; i + pattern.length <= bytes.length; i++) {
    for (let k = 0; k < pattern.length; k++) if (bytes[i + k] !== pattern[k]) continue outer;
    found.push(i);
  }
  return found;
}

/**
 * Compiles the programs with every map reference replaced by a distinct placeholder constant whose
 * LEB128 form takes the full 10 bytes (values in [-2^63, -2^62)), then finds each placeholder's
 * `i64.const` in the code: the loader writes the map's address there. A placeholder found more than once
 * (a program constant that happens to look the same) makes it try again with other placeholders.
 */
function compileWithRelocations(programs: readonly ProgramSpec[], checked: boolean): { code: Uint8Array<ArrayBuffer>; relocations: RelocationRecord[] } {
  for (let attempt = 0; attempt < 8; attempt++) {
    const salt = BigInt('0x' + randomBytes(5).toString('hex')); // 40 bits
    const placeholders: Placeholder[] = [];
    const relocated = programs.map((program, index) => {
      const out: Instruction[] = program.instructions.slice();
      for (let pc = 0; pc + 1 < out.length; pc++) {
        const insn = out[pc]!;
        if (insn.opcode !== 0x18) continue;
        if (insn.src === PSEUDO_MAP_FD || insn.src === PSEUDO_MAP_VALUE) {
          // Top bits 10: the value is in [-2^63, -2^62), so its minimal signed LEB128 is 10 bytes long.
          const value = BigInt.asIntN(64, (0b10n << 62n) | (salt << 20n) | BigInt(placeholders.length));
          const kind = insn.src === PSEUDO_MAP_FD ? 'map' : 'value';
          placeholders.push({ value, program: index, pc, mapIndex: insn.imm, kind, offset: kind === 'value' ? out[pc + 1]!.imm >>> 0 : 0 });
          const bits = BigInt.asUintN(64, value);
          out[pc] = { ...insn, src: PSEUDO_IMM64, imm: Number(BigInt.asIntN(32, bits & 0xffffffffn)) };
          out[pc + 1] = { ...out[pc + 1]!, imm: Number(BigInt.asIntN(32, bits >> 32n)) };
        }
        pc++;
      }
      return { instructions: out, exportName: program.name };
    });
    const code = compileProgramsToWasm(relocated, { checked });
    const relocations: RelocationRecord[] = [];
    let ambiguous = false;
    for (const p of placeholders) {
      const pattern = [0x42, ...signedLeb(p.value)];
      if (pattern.length !== 1 + RELOCATION_WIDTH) throw new Error(`placeholder ${p.value} does not take ${RELOCATION_WIDTH} bytes`);
      const at = occurrences(code, pattern);
      if (at.length > 1) ambiguous = true;
      // Unreachable code is not compiled: its references need no address.
      if (at.length === 1) relocations.push({ program: p.program, pc: p.pc, at: at[0]! + 1, mapIndex: p.mapIndex, kind: p.kind, offset: p.offset });
    }
    if (!ambiguous) return { code, relocations };
  }
  throw new NativeModuleError('NOT_SUPPORTED', 'could not place map relocations unambiguously in the compiled code after 8 attempts');
}

/** Builds a signed native module from an object file's bytes. */
export function buildNativeModule(objectBytes: Uint8Array, options: BuildOptions): BuiltModule {
  const platform = options.platform ?? windowsPlatform;
  const object = openObject(objectBytes, { name: options.name ?? 'object', platform });
  const override = options.type !== undefined ? resolveTypeOption(platform, options.type) : undefined;
  const programs = modulePrograms(object);
  if (programs.length === 0) throw new NativeModuleError('NOT_SUPPORTED', `${object.name} holds no program`);
  const exportNames = new Set<string>();
  const records: ProgramRecord[] = [];
  const failures: string[] = [];
  for (const program of programs) {
    const programType = override ? platform.programTypeById(override.programType) : platform.programTypeById(program.programType);
    if (!programType || programType.id === 0) {
      failures.push(`${program.name} (section ${program.section}): the section name gives no program type; pass one with --type`);
      continue;
    }
    if (program.externCalls.length > 0) {
      failures.push(`${program.name} (section ${program.section}): calls ${program.externCalls.map((c) => c.name).join(', ')}, which the object does not define`);
      continue;
    }
    const verification = verifyProgram(object, program, { platform, programType });
    if (!verification.ok) {
      failures.push(`Verification failed for ${program.name} (section ${program.section}, type ${programType.name})\n${verificationReport(verification)}`);
      continue;
    }
    if (exportNames.has(program.name)) throw new NativeModuleError('NOT_SUPPORTED', `two programs are named ${program.name}`);
    exportNames.add(program.name);
    const helpers = helpersUsed(program.instructions);
    records.push({
      name: program.name,
      section: program.section,
      sectionIndex: program.sectionIndex,
      sectionSize: program.sectionSize,
      offset: program.offset,
      size: program.size,
      programType: programType.id,
      attachType: override ? override.attachType : program.attachType,
      export: program.name,
      helpers,
      instructionCount: program.instructions.length,
      functions: program.functions,
      mapReferences: program.mapReferences,
      programInfoHash: programInfoHash(platform, programType.id, helpers),
    });
  }
  if (failures.length > 0) throw new NativeModuleError('VERIFICATION_FAILED', failures.join('\n'));

  const checked = options.checked ?? false;
  const { code, relocations } = compileWithRelocations(programs, checked);
  const header: ModuleHeader = { format: NATIVE_FORMAT, version: NATIVE_VERSION, object: object.name, license: object.license, platform: platform.name, checked };
  const elf = new ElfFile(objectBytes);
  const btfSection = elf.section('.BTF');
  const sourceHash = createHash('sha256').update(objectBytes).digest();
  const unsigned = concatBytes([
    code,
    customSection(SECTION.module, jsonPayload(header)),
    customSection(SECTION.maps, jsonPayload(object.maps.map(mapToJson))),
    customSection(SECTION.programs, jsonPayload(records)),
    customSection(SECTION.relocations, jsonPayload(relocations)),
    ...(btfSection ? [customSection(SECTION.btf, elf.sectionData(btfSection))] : []),
    customSection(SECTION.instructions, concatBytes(programs.map((p) => encodeInstructions(p.instructions)))),
    customSection(SECTION.lines, jsonPayload(programs.map((p) => p.lineInfo))),
    customSection(SECTION.hash, new Uint8Array(sourceHash)),
  ]);
  const signature = signBytes(options.key, unsigned);
  const signatureSection = customSection(SECTION.signature, jsonPayload({
    algorithm: 'ed25519',
    publicKey: Buffer.from(options.key.publicKey).toString('base64'),
    signature: Buffer.from(signature).toString('base64'),
  }));
  return {
    bytes: concatBytes([unsigned, signatureSection]),
    programs: records.map((r) => ({ name: r.name, section: r.section, type: platform.programTypeById(r.programType)!.name })),
    sourceHash: sourceHash.toString('hex'),
  };
}
