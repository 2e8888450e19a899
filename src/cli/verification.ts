// `show verification`: netsh's verifier report for the programs of an object file (spec §3.10), with
// `--json` for scripts. Accepted programs print to stdout; a rejected one prints its report to stderr
// and makes the exit code 1, as netsh does.

import type { ObjectSpec, ProgramSpec } from '../object/index.ts';
import { resolve } from 'node:path';
import { linuxPlatform, windowsPlatform, type Platform, type ProgramTypeSpec } from '../platform/index.ts';
import { verifyProgram } from '../verifier/index.ts';
import { formatVerificationReport, REPORT_LEVELS, verificationSummary, type ReportLevel } from '../verifier/report.ts';
import { UsageError } from './args.ts';
import { CliError } from './io.ts';
import type { NetshCommand } from './main.ts';
import { openObjectArgument } from './offline.ts';
import { listedPrograms } from './sections.ts';

/** The platforms `platform=` names: eBPF for Windows (the default) and Linux (helpers, program and map types by Linux's numbers). */
export const PLATFORMS: Readonly<Record<string, Platform>> = { windows: windowsPlatform, linux: linuxPlatform };

/** The program type `type=` names: a type name (`bind`) or a section name that selects one (`cgroup/connect4`). */
export function programTypeArgument(name: string, platform: Platform = windowsPlatform): ProgramTypeSpec {
  const byName = platform.programTypeByName(name.toLowerCase());
  if (byName) return byName;
  const section = platform.sectionInfo(name);
  const bySection = section && platform.programTypeById(section.programType);
  // A section name counts when one of the platform's prefixes matches it (Linux types unmatched sections by default).
  if (bySection && bySection.id !== 0 && section.prefix !== '') return bySection;
  const known = platform.programTypes.filter((t) => t.id !== 0).map((t) => t.name);
  throw new UsageError(`parameter 'type' of 'show verification': unknown program type '${name}' (program types: ${known.join(', ')}; or a section name such as cgroup/connect4)`);
}

/** The programs to verify: every listed program, or those of `section` and/or named `program`. */
function selectPrograms(object: ObjectSpec, section: string | undefined, program: string | undefined): ProgramSpec[] {
  let programs = [...listedPrograms(object)];
  if (section !== undefined) {
    programs = object.programs.filter((p) => p.section === section);
    if (programs.length === 0) throw new CliError('error: Section not found', 'SECTION_NOT_FOUND');
  }
  if (program !== undefined) {
    programs = programs.filter((p) => p.name === program);
    if (programs.length === 0) throw new CliError(`error: No such program ${program}`, 'PROGRAM_NOT_FOUND');
  }
  if (programs.length === 0) throw new CliError('error: No section(s) found', 'NO_PROGRAMS');
  return programs;
}

const showVerification: NetshCommand = {
  verb: 'show',
  noun: 'verification',
  summary: 'Verifies the programs of an object file and shows the verifier\'s report.',
  params: [{ tag: 'filename', required: true }, { tag: 'section' }, { tag: 'program' }, { tag: 'type' }, { tag: 'level', values: REPORT_LEVELS }, { tag: 'platform', values: Object.keys(PLATFORMS) }],
  async run(args, io) {
    const platform = PLATFORMS[args.get('platform') ?? 'windows']!;
    const type = args.has('type') ? programTypeArgument(args.get('type')!, platform) : undefined;
    const level = (args.get('level') ?? 'normal') as ReportLevel;
    const object = await openObjectArgument(io, args.get('filename')!);
    const objectPath = resolve(io.cwd, args.get('filename')!);
    const programs = selectPrograms(object, args.get('section'), args.get('program'));
    for (const p of programs) {
      if (!type && !platform.programTypeById(platform.sectionInfo(p.section, objectPath)?.programType ?? p.programType)) {
        throw new CliError(`error: Program type for section ${p.section} not found (give one with type=, e.g. type=bind)`, 'PROGRAM_TYPE_NOT_FOUND');
      }
    }
    const results = programs.map((p) => ({
      program: p,
      result: verifyProgram(object, p, { platform, objectPath, ...(type ? { programType: type } : {}), ...(level !== 'normal' ? { recordStates: true } : {}) }),
    }));
    const failed = results.some(({ result }) => !result.ok);
    if (io.json) {
      io.out(JSON.stringify(results.map(({ result }) => ({
        ...verificationSummary(result),
        ...(level === 'verbose' && result.analysis.states ? { states: result.analysis.states } : {}),
      })), null, 2) + '\n');
      return failed ? 1 : 0;
    }
    for (const { program, result } of results) {
      // With several programs, say which one each report is about (netsh verifies one at a time).
      const heading = results.length > 1 ? `Program ${program.name} (section ${program.section})\n` : '';
      const text = heading + formatVerificationReport(result, program, { level, platform });
      if (result.ok) io.out(text);
      else io.err(text);
    }
    return failed ? 1 : 0;
  },
};

/** The verifier's netsh-style commands. */
export const verificationCommands: NetshCommand[] = [showVerification];
