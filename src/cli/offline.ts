// Commands that work on files alone, with no service: `build`, `show sections`, `show disassembly`,
// and `prog run` on an object file.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileC } from '../build/clang.ts';
import { formatVerifierInstruction, instructionStarts } from '../isa/disassemble.ts';
import { openObjectFile, type ObjectSpec, type ProgramSpec } from '../object/index.ts';
import { windowsPlatform } from '../platform/index.ts';
import { UsageError } from './args.ts';
import { CliError, type CliIo } from './io.ts';
import type { NetshCommand, ToolCommand } from './main.ts';
import { formatNativeWritten, nativeWrittenJson, openNativeArgument, writeNativeModule } from './native.ts';
import { formatDisassembly, formatSections, helperNaming, listedPrograms, programStatistics, programTypeName } from './sections.ts';

const platform = windowsPlatform;

/** Opens an object (or a native module) named on the command line, with netsh's error for a missing file. */
export async function openObjectArgument(io: CliIo, file: string): Promise<ObjectSpec> {
  const path = resolve(io.cwd, file);
  if (!existsSync(path)) throw new CliError(`error: No such file or directory opening ${file}`, 'FILE_NOT_FOUND');
  const native = openNativeArgument(file, path);
  if (native) return native;
  try {
    return await openObjectFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') throw new CliError(`error: ${file}: ${(error as Error).message}`, code);
    throw error;
  }
}

function selectPrograms(object: ObjectSpec, section: string | undefined, program: string | undefined): ProgramSpec[] {
  let programs = [...listedPrograms(object)];
  if (section !== undefined) {
    programs = object.programs.filter((p) => p.section === section);
    if (programs.length === 0) throw new CliError('error: Section not found', 'SECTION_NOT_FOUND');
  }
  if (program !== undefined) {
    programs = programs.filter((p) => p.name === program);
    if (programs.length === 0) throw new CliError(`error: Program not found: ${program}`, 'PROGRAM_NOT_FOUND');
  }
  return programs;
}

const showSections: NetshCommand = {
  verb: 'show',
  noun: 'sections',
  summary: 'Shows the programs and maps of an object file.',
  params: [{ tag: 'filename', required: true }, { tag: 'section' }, { tag: 'level', values: ['normal', 'verbose'] }],
  async run(args, io) {
    const object = await openObjectArgument(io, args.get('filename')!);
    const section = args.get('section');
    if (section !== undefined && !object.programs.some((p) => p.section === section)) throw new CliError('error: Section not found', 'SECTION_NOT_FOUND');
    // netsh: naming a section without a level means verbose.
    const verbose = args.get('level') === 'verbose' || (section !== undefined && !args.has('level'));
    if (io.json) {
      const programs = listedPrograms(object).filter((p) => section === undefined || p.section === section);
      io.out(JSON.stringify({
        programs: programs.map((p) => ({
          section: p.section,
          name: p.name,
          type: programTypeName(platform, p.section),
          size: p.size,
          instructions: p.instructions.length,
          ...(verbose ? { statistics: Object.fromEntries(programStatistics(p, platform)) } : {}),
        })),
        maps: object.maps.map((m) => ({ name: m.name, type: platform.mapTypeById(m.type)?.displayName ?? 'unspec', keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries })),
      }, null, 2) + '\n');
      return 0;
    }
    io.out(formatSections(object, platform, { ...(section !== undefined ? { section } : {}), verbose }));
    return 0;
  },
};

const showDisassembly: NetshCommand = {
  verb: 'show',
  noun: 'disassembly',
  summary: 'Shows the instructions of a program, with the source lines they came from.',
  params: [{ tag: 'filename', required: true }, { tag: 'section' }, { tag: 'program' }],
  async run(args, io) {
    const object = await openObjectArgument(io, args.get('filename')!);
    const programs = selectPrograms(object, args.get('section'), args.get('program'));
    const chosen = args.has('program') || args.has('section') ? programs : programs.slice(0, 1);
    if (io.json) {
      io.out(JSON.stringify(chosen.map((p) => {
        const naming = helperNaming(platform, p.section);
        return {
          section: p.section,
          name: p.name,
          instructions: [...instructionStarts(p.instructions)].map((pc) => ({
            pc,
            text: formatVerifierInstruction(p.instructions, pc, naming),
            ...(p.lineInfo.find((l) => l.pc === pc) ? { line: p.lineInfo.find((l) => l.pc === pc) } : {}),
          })),
        };
      }), null, 2) + '\n');
      return 0;
    }
    io.out(chosen.map((p) => formatDisassembly(p, platform)).join('\n') + '\n');
    return 0;
  },
};

const build: ToolCommand = {
  name: 'build',
  usage: 'build FILE.c [-o OUT.o] [-I DIR]... [--native]',
  summary: 'Compiles a C program with clang against the eBPF for Windows headers (--native: and to a signed native module).',
  async run(argv, io) {
    let source: string | undefined;
    let output: string | undefined;
    let native = false;
    const includeDirs: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === '--native') native = true;
      else if (arg === '-o' || arg === '--output' || arg === '-I') {
        const value = argv[++i];
        if (value === undefined) throw new UsageError(`build: ${arg} needs a value`);
        if (arg === '-I') includeDirs.push(resolve(io.cwd, value));
        else output = value;
      }
      else if (arg.startsWith('-')) throw new UsageError(`build: unknown option '${arg}' (usage: ebpf ${this.usage})`);
      else if (source === undefined) source = arg;
      else throw new UsageError(`build: one source file at a time ('${arg}' is extra)`);
    }
    if (!source) throw new UsageError(`build: which C file? (usage: ebpf ${this.usage})`);
    const sourcePath = resolve(io.cwd, source);
    // With --native, `-o X.wasm` names the module (the object goes beside it); otherwise -o names the object.
    const nativeOut = native && output?.endsWith('.wasm') ? resolve(io.cwd, output) : undefined;
    const outPath = nativeOut ? nativeOut.replace(/\.wasm$/, '.o') : output ? resolve(io.cwd, output) : sourcePath.replace(/\.c$/, '') + '.o';
    const { objectPath } = await compileC(sourcePath, { outPath, includeDirs });
    const object = await openObjectFile(objectPath);
    const written = native ? writeNativeModule(io, objectPath, nativeOut ?? objectPath.replace(/\.o$/, '') + '.wasm', {}) : undefined;
    if (io.json) {
      io.out(JSON.stringify({ object: objectPath, programs: object.programs.map((p) => ({ section: p.section, name: p.name })), ...(written ? { native: nativeWrittenJson(written) } : {}) }) + '\n');
    } else {
      io.out(`Built ${objectPath}: ${object.programs.map((p) => `${p.name} (${p.section})`).join(', ')}\n`);
      if (written) io.out(formatNativeWritten(written));
    }
    return 0;
  },
};

const prog: ToolCommand = {
  name: 'prog',
  usage: 'prog run FILE.o [section] [program] [data_in=F] [ctx_in=F] [repeat=N] [--engine interpreter|jit]',
  summary: 'Test-runs a program of an object file (after verification).',
  async run(argv, io) {
    const [sub, file, ...rest] = argv;
    if (sub !== 'run') throw new UsageError(`prog: unknown subcommand '${sub ?? ''}' (usage: ebpf ${this.usage})`);
    if (!file) throw new UsageError(`prog run: which object file? (usage: ebpf ${this.usage})`);
    const object = await openObjectArgument(io, file);
    const positional: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i]!;
      const eq = arg.indexOf('=');
      if (arg === '--engine') {
        const engine = rest[++i];
        if (engine !== 'interpreter' && engine !== 'jit') throw new UsageError(`prog run: --engine takes interpreter or jit, not '${engine ?? ''}'`);
      } else if (eq > 0) {
        const [tag, value] = [arg.slice(0, eq), arg.slice(eq + 1)];
        if (tag === 'data_in' || tag === 'ctx_in') {
          if (!existsSync(resolve(io.cwd, value))) throw new CliError(`error: No such file or directory opening ${value}`, 'FILE_NOT_FOUND');
        } else if (tag === 'repeat') {
          if (!/^[1-9]\d*$/.test(value) || Number(value) > 1_000_000) throw new UsageError(`prog run: repeat must be 1-1000000, not '${value}'`);
        } else {
          throw new UsageError(`prog run: unknown parameter '${tag}' (data_in, ctx_in, repeat, --engine)`);
        }
      } else if (positional.length < 2) {
        positional.push(arg);
      } else {
        throw new UsageError(`prog run: unexpected '${arg}' (usage: ebpf ${this.usage})`);
      }
    }
    const programs = selectPrograms(object, positional[0], positional[1]);
    const program = programs[0]!;
    // Nothing runs that the verifier has not accepted, and the verifier has not landed yet.
    throw new CliError(
      `error: ${program.name} (section ${program.section}) has not been verified, and unverified programs are never run: ` +
        'the verifier is not part of this build yet',
      'NOT_VERIFIED',
    );
  },
};

/** netsh-style commands that need no service. */
export const offlineNetshCommands: NetshCommand[] = [showSections, showDisassembly];
/** bpftool-style commands that need no service. */
export const offlineToolCommands: ToolCommand[] = [build, prog];
