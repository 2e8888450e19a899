// Commands that work on files alone, with no service: `build`, `show sections`, `show disassembly`,
// and `prog run` on an object file.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileC } from '../build/clang.ts';
import { formatVerifierInstruction, instructionStarts } from '../isa/disassemble.ts';
import { openObjectFile, type ObjectSpec, type ProgramSpec } from '../object/index.ts';
import { windowsPlatform } from '../platform/index.ts';
import { Runtime, RuntimeError } from '../runtime/runtime.ts';
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
  usage: 'prog run FILE.o [section] [program] [data_in=F] [ctx_in=F] [data_out=F] [ctx_out=F] [repeat=N] [cpu=N] [execution=jit|interpret] [--maps]',
  summary: 'Loads an object (every program verified), test-runs one program with live maps, and shows what it left in them.',
  async run(argv, io) {
    const [sub, file, ...rest] = argv;
    if (sub !== 'run') throw new UsageError(`prog: unknown subcommand '${sub ?? ''}' (usage: ebpf ${this.usage})`);
    if (!file) throw new UsageError(`prog run: which object file? (usage: ebpf ${this.usage})`);
    const object = await openObjectArgument(io, file);
    const options = parseRunArguments(rest, io, this.usage);
    const program = selectPrograms(object, options.positional[0], options.positional[1])[0]!;
    await runObjectProgram(io, resolve(io.cwd, file), object, program, options);
    return 0;
  },
};

interface RunArguments {
  positional: string[];
  files: Map<string, string>;
  repeat: number;
  cpu: number;
  execution: 'jit' | 'interpret';
  maps: boolean;
}

const FILE_TAGS = ['data_in', 'ctx_in', 'data_out', 'ctx_out'];

function parseRunArguments(rest: readonly string[], io: CliIo, usage: string): RunArguments {
  const options: RunArguments = { positional: [], files: new Map(), repeat: 1, cpu: 0, execution: 'jit', maps: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = arg.indexOf('=');
    if (arg === '--maps') {
      options.maps = true;
    } else if (arg === '--engine') {
      // The engine by its own name (interpreter, jit): the same choice as execution=.
      const engine = rest[++i];
      if (engine !== 'interpreter' && engine !== 'jit') throw new UsageError(`prog run: --engine takes interpreter or jit, not '${engine ?? ''}'`);
      options.execution = engine === 'jit' ? 'jit' : 'interpret';
    } else if (eq > 0) {
      const [tag, value] = [arg.slice(0, eq), arg.slice(eq + 1)];
      if (FILE_TAGS.includes(tag)) {
        if (tag.endsWith('_in') && !existsSync(resolve(io.cwd, value))) throw new CliError(`error: No such file or directory opening ${value}`, 'FILE_NOT_FOUND');
        options.files.set(tag, value);
      } else if (tag === 'repeat') {
        if (!/^[1-9]\d*$/.test(value) || Number(value) > 1_000_000) throw new UsageError(`prog run: repeat must be 1-1000000, not '${value}'`);
        options.repeat = Number(value);
      } else if (tag === 'cpu') {
        if (!/^\d+$/.test(value)) throw new UsageError(`prog run: cpu must be a CPU number, not '${value}'`);
        options.cpu = Number(value);
      } else if (tag === 'execution') {
        if (value !== 'jit' && value !== 'interpret') throw new UsageError(`prog run: execution takes jit or interpret, not '${value}'`);
        options.execution = value;
      } else {
        throw new UsageError(`prog run: unknown parameter '${tag}' (data_in, ctx_in, data_out, ctx_out, repeat, cpu, execution, --maps)`);
      }
    } else if (arg.startsWith('-')) {
      throw new UsageError(`prog run: unknown option '${arg}' (usage: ebpf ${usage})`);
    } else if (options.positional.length < 2) {
      options.positional.push(arg);
    } else {
      throw new UsageError(`prog run: unexpected '${arg}' (usage: ebpf ${usage})`);
    }
  }
  return options;
}

/** Loads the object into a fresh runtime (verifying every program), runs `program`, prints the result and, with --maps, every map. */
async function runObjectProgram(io: CliIo, path: string, object: ObjectSpec, program: ProgramSpec, options: RunArguments): Promise<void> {
  const runtime = new Runtime();
  const traces: string[] = [];
  runtime.onTrace((_, line) => void traces.push(line));
  let loaded;
  try {
    loaded = await runtime.loadObject(path, { execution: options.execution });
  } catch (error) {
    if (error instanceof RuntimeError) throw new CliError(`error: ${error.message}`, error.code);
    throw error;
  }
  const id = loaded.programIds[object.programs.indexOf(program)]!;
  const read = (tag: string) => (options.files.has(tag) ? new Uint8Array(readFileSync(resolve(io.cwd, options.files.get(tag)!))) : undefined);
  const dataIn = read('data_in');
  const contextIn = read('ctx_in');
  let result;
  try {
    result = runtime.testRun(id, { repeat: options.repeat, cpu: options.cpu, ...(dataIn ? { dataIn } : {}), ...(contextIn ? { contextIn } : {}) });
  } catch (error) {
    if (error instanceof RuntimeError) throw new CliError(`error: ${error.message}`, error.code);
    throw error;
  }
  if (options.files.has('data_out')) writeFileSync(resolve(io.cwd, options.files.get('data_out')!), result.dataOut);
  if (options.files.has('ctx_out')) writeFileSync(resolve(io.cwd, options.files.get('ctx_out')!), result.contextOut);
  const maps = options.maps ? mapContents(runtime, loaded.mapIds) : [];
  if (io.json) {
    io.out(JSON.stringify({
      program: { name: program.name, section: program.section, execution: options.execution },
      returnValue: Number(BigInt.asIntN(64, result.returnValue)),
      durationNs: Math.round(result.durationNs),
      repeat: options.repeat,
      dataOut: Buffer.from(result.dataOut).toString('hex'),
      contextOut: Buffer.from(result.contextOut).toString('hex'),
      ...(traces.length ? { trace: traces } : {}),
      ...(options.maps ? { maps } : {}),
    }, null, 2) + '\n');
    return;
  }
  let text = `Return value: ${BigInt.asIntN(64, result.returnValue)}\n`;
  text += `Duration${options.repeat > 1 ? ' (average of ' + options.repeat + ' runs)' : ''}: ${Math.round(result.durationNs)} ns (${options.execution === 'jit' ? 'JIT' : 'INTERPRET'})\n`;
  for (const line of traces) text += `trace: ${line}\n`;
  for (const map of maps) text += formatMapContents(map);
  io.out(text);
}

/** What --maps shows of one map. */
interface MapContents {
  name: string;
  type: string;
  id: number;
  /** Entries, decoded through BTF where the map has it (hex strings otherwise). */
  entries: { key: unknown; value: unknown }[];
  /** Array entries left out because every byte of their value is zero. */
  zeroEntries?: number;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function mapContents(runtime: Runtime, mapIds: readonly number[]): MapContents[] {
  return mapIds.map((id) => {
    const info = runtime.maps().find((m) => m.id === id)!;
    const map = runtime.map(id);
    const type = map.definition.type;
    const perCpu = type.perCpu && !type.keyless && type.name !== 'BPF_MAP_TYPE_PERF_EVENT_ARRAY';
    const decodeValue = (value: Uint8Array): unknown => {
      if (!perCpu) return runtime.decode(id, 'value', value) ?? hex(value);
      const stride = value.length / runtime.cpuCount;
      return Array.from({ length: runtime.cpuCount }, (_, cpu) => {
        const slice = value.subarray(cpu * stride, cpu * stride + map.definition.valueSize);
        return runtime.decode(id, 'value', slice) ?? hex(slice);
      });
    };
    const entries: { key: unknown; value: unknown }[] = [];
    let zeroEntries = 0;
    for (const { key, value } of runtime.entries(id, 100_000)) {
      if (type.isArray && value.every((b) => b === 0)) {
        zeroEntries++;
        continue;
      }
      const decodedKey = type.keyless ? (type.name === 'BPF_MAP_TYPE_PERF_EVENT_ARRAY' ? new DataView(key.buffer, key.byteOffset).getUint32(0, true) : entries.length) : (runtime.decode(id, 'key', key) ?? hex(key));
      entries.push({ key: decodedKey, value: decodeValue(value) });
    }
    return { name: info.name, type: info.type, id, entries, ...(zeroEntries ? { zeroEntries } : {}) };
  });
}

/** A decoded value as one line: `{ id: 4242, name: "node.exe", count: 3 }`. */
export function formatDecoded(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatDecoded).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${formatDecoded(v)}`).join(', ')} }`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function formatMapContents(map: MapContents): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const keyWord = map.type === 'perf_event_array' ? 'cpu' : ['queue', 'stack', 'ringbuf'].includes(map.type) ? '#' : 'key';
  let text = `\nmap ${map.name} (${map.type}, id ${map.id}): ${count(map.entries.length, map.type === 'ringbuf' || map.type === 'perf_event_array' ? 'record' : 'entry').replace('entrys', 'entries')}`;
  text += map.zeroEntries ? ` (and ${count(map.zeroEntries, 'zero entry').replace('entrys', 'entries')} not shown)\n` : '\n';
  for (const entry of map.entries) text += `  ${keyWord}${keyWord === '#' ? '' : ' '}${formatDecoded(entry.key)}: ${formatDecoded(entry.value)}\n`;
  return text;
}

/** netsh-style commands that need no service. */
export const offlineNetshCommands: NetshCommand[] = [showSections, showDisassembly];
/** bpftool-style commands that need no service. */
export const offlineToolCommands: ToolCommand[] = [build, prog];
