// The verification report, as `netsh ebpf show verification` prints it (spec §3.10): `Verification
// succeeded` and the loop bound, or `Verification failed`, the report (each error's source file and
// line, the source text, then `pc: message`) and `N errors`. `informational` adds each error's failure
// slice and the state before the failing instruction; `verbose` lists every instruction with the state
// before it. The CLI prints these strings; the Studio reads the same facts from `ProgramVerification`.

import { formatVerifierInstruction, instructionStarts, type HelperNaming } from '../isa/disassemble.ts';
import type { ProgramLineInfo, ProgramSpec } from '../object/index.ts';
import { windowsPlatform, type Platform } from '../platform/index.ts';
import { lineAt, type LocatedError, type ProgramVerification } from './index.ts';
import { failureSlice } from './slice.ts';

/** netsh's verbosity levels (`ebpf_verification_verbosity_t`). */
export const REPORT_LEVELS = ['normal', 'informational', 'verbose'] as const;
export type ReportLevel = (typeof REPORT_LEVELS)[number];

/** Options of `formatVerificationReport`. */
export interface ReportOptions {
  level?: ReportLevel;
  /** The platform helpers are named from (default: eBPF for Windows). */
  platform?: Platform;
}

/** The two parts netsh prints: the verdict line(s) and, on failure, the report (written to stderr). */
export interface VerificationReport {
  readonly ok: boolean;
  /** The whole text netsh prints for this program. */
  readonly text: string;
}

const pcColumn = (pc: number) => String(pc).padStart(8);

/** `; file:line` and `; source` for a line info entry. */
function sourceLines(line: ProgramLineInfo): string {
  return `; ${line.file}:${line.line}\n; ${line.source}\n`;
}

/** One instruction as `show disassembly` prints it: `     pc:<TAB>text`. */
function instructionLine(program: ProgramSpec, pc: number, naming: HelperNaming): string {
  return `${pcColumn(pc)}:\t${formatVerifierInstruction(program.instructions, pc, naming)}\n`;
}

/** The state lines recorded before `pc`, as PREVAIL prints an invariant. */
function stateBlock(result: ProgramVerification, pc: number): string {
  const states = result.analysis.states;
  if (!states) return '';
  const state = states[pc];
  if (state === undefined) return 'Pre-invariant : _|_ (unreachable)\n';
  if (state.length === 0) return 'Pre-invariant : []\n';
  return `Pre-invariant : [\n${state.map((s) => `    ${s}`).join(',\n')}]\n`;
}

/** One error as PREVAIL prints it: a blank line, the source position and text when known, `pc: message`. */
function errorLines(error: LocatedError): string {
  return `${error.line ? `\n${sourceLines(error.line)}` : ''}\n${error.pc}: ${error.message}\n`;
}

/** The instructions `error` depends on, with their source lines, and the state before the failing one. */
function sliceLines(result: ProgramVerification, program: ProgramSpec, error: LocatedError, naming: HelperNaming): string {
  let text = `\nFailure slice of ${error.pc} (the instructions whose results it uses):\n`;
  let previous: ProgramLineInfo | undefined;
  const lines = new Map(program.lineInfo.map((l) => [l.pc, l]));
  for (const pc of failureSlice(program.instructions, error.pc)) {
    const line = lines.get(pc) ?? lineAt(program, pc);
    if (line && (!previous || line.line !== previous.line || line.file !== previous.file)) text += sourceLines(line);
    previous = line;
    text += instructionLine(program, pc, naming);
  }
  const state = stateBlock(result, error.pc);
  if (state) text += `\nState before ${error.pc}:\n${state}`;
  return text;
}

/** Every instruction, its source lines where they change, and the state before it (PREVAIL's verbose listing). */
function listing(result: ProgramVerification, program: ProgramSpec, naming: HelperNaming): string {
  const lines = new Map(program.lineInfo.map((l) => [l.pc, l]));
  const failing = new Map<number, LocatedError[]>();
  for (const e of result.errors) failing.set(e.pc, [...(failing.get(e.pc) ?? []), e]);
  let text = '\n';
  let previousSource: string | undefined;
  for (const pc of instructionStarts(program.instructions)) {
    const line = lines.get(pc);
    if (line && line.source !== previousSource) {
      text += sourceLines(line);
      previousSource = line.source;
    }
    text += stateBlock(result, pc);
    text += instructionLine(program, pc, naming);
    for (const e of failing.get(pc) ?? []) text += `  error: ${e.message}\n`;
  }
  return text;
}

/** The helper naming of the program type the program was verified as. */
function namingFor(result: ProgramVerification, platform: Platform): HelperNaming {
  return { helper: (id) => platform.helper(result.programType, id) };
}

/**
 * The text `show verification` prints for one program at `level`. On success (netsh's stdout):
 * the report, then `Program terminates within N loop iterations`. On failure (netsh's stderr):
 * `Verification failed`, a blank line, `Verification report:`, the report and `N errors`.
 */
export function formatVerificationReport(result: ProgramVerification, program: ProgramSpec, options: ReportOptions = {}): string {
  const level = options.level ?? 'normal';
  const naming = namingFor(result, options.platform ?? windowsPlatform);
  const prefix = level === 'verbose' ? listing(result, program, naming) + '\n' : '';
  if (result.ok) {
    return `${prefix}Verification succeeded\nProgram terminates within ${result.analysis.loopBound ?? 0} loop iterations\n`;
  }
  let report = prefix;
  for (const error of result.errors) {
    report += errorLines(error);
    if (level === 'informational') report += sliceLines(result, program, error, naming);
  }
  report += '\n';
  // netsh prints `total_warnings` followed by a literal "errors", whatever the count.
  return `Verification failed\n\nVerification report:\n${report}${result.errors.length} errors\n\n`;
}

/** What `show verification --json` prints for one program, and what the Studio shows. */
export interface VerificationSummary {
  readonly section: string;
  readonly program: string;
  readonly type: string;
  readonly verdict: 'accepted' | 'rejected';
  readonly errors: readonly { pc: number; message: string; file?: string; line?: number; column?: number; source?: string }[];
  readonly statistics: ProgramVerification['statistics'];
}

/** The machine-readable verdict of one program. */
export function verificationSummary(result: ProgramVerification): VerificationSummary {
  return {
    section: result.section,
    program: result.program,
    type: result.programType.name,
    verdict: result.ok ? 'accepted' : 'rejected',
    errors: result.errors.map((e) => ({
      pc: e.pc,
      message: e.message,
      ...(e.line ? { file: e.line.file, line: e.line.line, column: e.line.column, source: e.line.source } : {}),
    })),
    statistics: result.statistics,
  };
}
