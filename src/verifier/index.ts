// The verifier as the rest of the platform calls it: one program of an opened object, checked against a
// platform's program type, helpers and the object's maps. The runtime, the CLI (`ebpf show verification`,
// `ebpf prog run`), native-module generation and the Studio all go through `verifyProgram`; nothing else
// calls `analyse` directly.

import { instructionStarts } from '../isa/disassemble.ts';
import type { Instruction } from '../isa/instruction.ts';
import { lookupForm } from '../isa/opcodes.ts';
import { windowsPlatform, type Platform, type ProgramTypeSpec } from '../platform/index.ts';
import type { MapSpec, ObjectSpec, ProgramLineInfo, ProgramSpec } from '../object/index.ts';
import { analyse, type MapDescriptor, type VerificationResult } from './analysis.ts';

export type { MapDescriptor, VerificationError, VerificationResult } from './analysis.ts';

/** Options of `verifyProgram`. */
export interface VerifyOptions {
  platform?: Platform;
  /** Verify as this program type instead of the one the section name gives (`type=` in the CLI). */
  programType?: ProgramTypeSpec;
  /** Keep a printable abstract state before each instruction (for `level=verbose` and the Studio). */
  recordStates?: boolean;
  /** Most instructions the analysis explores before giving up and rejecting (fuzzing lowers it). */
  budget?: number;
  /**
   * The object's file path, for platforms that read a program's type from it where the section name does not
   * give it (Linux: Cilium's objects). Used when `platform` is given.
   */
  objectPath?: string;
}

/** One error, with the source line it comes from when the object has line info. */
export interface LocatedError {
  readonly pc: number;
  readonly message: string;
  readonly line?: ProgramLineInfo;
}

/** Figures about one verification, for reports, `--json`, benchmarks and the Studio. */
export interface VerificationStatistics {
  /** Instructions of the program (an lddw counts once), linked subprograms included. */
  readonly instructions: number;
  /** Instructions the analysis stepped through over all paths. */
  readonly instructionsExplored: number;
  /** Deepest byte below r10 that the code addresses with a fixed offset (loads, stores, pointers it derives). */
  readonly stackBytes: number;
  /** The proven bound on loop iterations (0 without loops). */
  readonly loopBound: number;
  /** Wall-clock milliseconds of the analysis. */
  readonly milliseconds: number;
}

/** The verdict on one program, with everything a report or the Studio shows. */
export interface ProgramVerification {
  readonly program: string;
  readonly section: string;
  /** The program type it was verified as. */
  readonly programType: ProgramTypeSpec;
  readonly ok: boolean;
  readonly errors: readonly LocatedError[];
  /** The raw analysis result (loop bound, states, statistics as the analysis provides them). */
  readonly analysis: VerificationResult;
  /** Wall-clock milliseconds the analysis took. */
  readonly milliseconds: number;
  readonly statistics: VerificationStatistics;
}

/** Thrown when a program cannot even be analysed: an unknown program type. */
export class VerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifyError';
  }
}

/** The program type `program` is verified as (its section's, or `options.programType`). */
export function programTypeFor(program: ProgramSpec, options: VerifyOptions = {}): ProgramTypeSpec {
  if (options.programType) return options.programType;
  const platform = options.platform ?? windowsPlatform;
  // The object may have been opened through another platform: the section name is read again through this one.
  const id = options.platform ? platform.sectionInfo(program.section, options.objectPath)?.programType ?? program.programType : program.programType;
  const type = platform.programTypeById(id);
  if (!type) throw new VerifyError(`${program.name} (section ${program.section}): the section name gives no program type; pass one (type=bind, xdp, ...)`);
  return type;
}

/** The map descriptors the analysis checks map references against, in the object's map order. */
export function mapDescriptors(object: ObjectSpec): MapDescriptor[] {
  const describe = (m: MapSpec): MapDescriptor => ({ type: m.type, keySize: m.keySize, valueSize: m.valueSize, ...(m.innerMap ? { inner: describe(m.innerMap) } : {}), ...(m.readOnly ? { readOnly: true } : {}) });
  return object.maps.map(describe);
}

/** The line info entry covering `pc` (the last one at or before it). */
export function lineAt(program: ProgramSpec, pc: number): ProgramLineInfo | undefined {
  let found: ProgramLineInfo | undefined;
  for (const l of program.lineInfo) {
    if (l.pc > pc) break;
    found = l;
  }
  return found;
}

/**
 * The deepest stack byte the code addresses at a fixed offset from r10, following registers set to
 * `r10 + k` in program order. A static figure: offsets computed at run time are not counted.
 */
export function stackBytesUsed(instructions: readonly Instruction[]): number {
  const frame = new Map<number, number>([[10, 0]]);
  let deepest = 0;
  const reach = (offset: number) => {
    if (offset < deepest) deepest = offset;
  };
  for (const pc of instructionStarts(instructions)) {
    const insn = instructions[pc]!;
    const s = lookupForm(insn)?.semantics;
    if (!s) continue;
    const base = s.kind === 'load' ? insn.src : s.kind === 'store' || s.kind === 'atomic' ? insn.dst : undefined;
    if (base !== undefined && frame.has(base)) reach(frame.get(base)! + insn.offset);
    if (insn.dst === 10) continue;
    if (s.kind === 'alu' && s.is64 && s.op === 'mov' && s.source === 'reg' && frame.has(insn.src)) {
      frame.set(insn.dst, frame.get(insn.src)!);
      reach(frame.get(insn.dst)!);
    } else if (s.kind === 'alu' && s.is64 && (s.op === 'add' || s.op === 'sub') && s.source === 'imm' && frame.has(insn.dst)) {
      frame.set(insn.dst, frame.get(insn.dst)! + (s.op === 'add' ? insn.imm : -insn.imm));
      reach(frame.get(insn.dst)!);
    } else if (s.kind === 'alu' || s.kind === 'endian' || s.kind === 'lddw' || s.kind === 'load') {
      frame.delete(insn.dst);
    } else if (s.kind === 'call') {
      for (let r = 0; r <= 5; r++) frame.delete(r);
    } else if (s.kind === 'atomic' && s.fetch) {
      frame.delete(insn.src);
      if (s.op === 'cmpxchg') frame.delete(0);
    }
  }
  return deepest === 0 ? 0 : -deepest;
}

/** Verifies one program of an opened object. */
export function verifyProgram(object: ObjectSpec, program: ProgramSpec, options: VerifyOptions = {}): ProgramVerification {
  const platform = options.platform ?? windowsPlatform;
  const programType = programTypeFor(program, options);
  const started = performance.now();
  const analysis = analyse(program.instructions, programType, platform, mapDescriptors(object), {
    ...(options.recordStates ? { recordStates: true } : {}),
    ...(options.budget !== undefined ? { budget: options.budget } : {}),
    ...(program.externCalls.length > 0 ? { externCalls: new Map(program.externCalls.map((c) => [c.pc, c.name])) } : {}),
  });
  const milliseconds = performance.now() - started;
  const errors = analysis.errors.map((e) => {
    const line = lineAt(program, e.pc);
    return line ? { pc: e.pc, message: e.message, line } : { pc: e.pc, message: e.message };
  });
  const statistics: VerificationStatistics = {
    instructions: [...instructionStarts(program.instructions)].length,
    instructionsExplored: analysis.instructionsExplored,
    stackBytes: stackBytesUsed(program.instructions),
    loopBound: analysis.loopBound ?? 0,
    milliseconds,
  };
  return { program: program.name, section: program.section, programType, ok: analysis.ok, errors, analysis, milliseconds, statistics };
}

/** Verifies every program of an object. */
export function verifyObject(object: ObjectSpec, options: VerifyOptions = {}): ProgramVerification[] {
  return object.programs.map((p) => verifyProgram(object, p, options));
}
