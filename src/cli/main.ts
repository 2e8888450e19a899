// The `ebpf` command: netsh's `ebpf` context (`show sections`, `add program`, ...) with its exact output,
// and bpftool-style commands beside it (`build`, `prog run`, ...). Each family of commands lives in its
// own module and registers here; this file only parses the command line and dispatches.

import { bindParams, matchWord, UsageError, type ParamSpec } from './args.ts';
import { CliError, processIo, type CliIo } from './io.ts';
import { nativeNetshCommands, nativeToolCommands } from './native.ts';
import { offlineNetshCommands, offlineToolCommands } from './offline.ts';
import { onlineNetshCommands, onlineToolCommands } from './online.ts';
import { verificationCommands } from './verification.ts';

/** A netsh-style command: `verb noun [params]`. */
export interface NetshCommand {
  readonly verb: string;
  readonly noun: string;
  readonly params: readonly ParamSpec[];
  readonly summary: string;
  run(args: ReadonlyMap<string, string>, io: CliIo): Promise<number>;
}

/** A bpftool-style command: `name [subcommand] [--flags] args`, parsing its own arguments. */
export interface ToolCommand {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

const netshCommands: readonly NetshCommand[] = [...offlineNetshCommands, ...verificationCommands, ...nativeNetshCommands, ...onlineNetshCommands];
// Online first: its `prog` hands `prog run FILE.o` to the offline one.
const toolCommands: readonly ToolCommand[] = [...onlineToolCommands, ...offlineToolCommands, ...nativeToolCommands];

function usage(): string {
  const lines = ['Usage: ebpf <command> [arguments] [--json]', '', 'netsh ebpf commands (parameters positional or tag=value; words may be abbreviated):'];
  for (const c of netshCommands) {
    const params = c.params.map((p) => (p.required ? `[${p.tag}=]<${p.values ? p.values.join('|') : p.kind ?? 'string'}>` : `[[${p.tag}=]<${p.values ? p.values.join('|') : p.kind ?? 'string'}>]`));
    lines.push(`  ${`${c.verb} ${c.noun}`.padEnd(20)} ${c.summary}`);
    lines.push(`  ${''.padEnd(20)}   ${params.join(' ')}`);
  }
  lines.push('', 'Other commands:');
  for (const c of toolCommands) lines.push(`  ${c.usage.padEnd(44)} ${c.summary}`);
  return lines.join('\n') + '\n';
}

/** Runs one command line (without the program name) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const args = argv.filter((a) => a !== '--json');
  try {
    if (args.length === 0 || args[0] === 'help' || args[0] === '--help' || args[0] === '-h') {
      io.out(usage());
      return 0;
    }
    const tool = toolCommands.find((c) => c.name === args[0]);
    if (tool) return await tool.run(args.slice(1), io);
    const verbs = [...new Set(netshCommands.map((c) => c.verb))];
    let verb: string;
    try {
      verb = matchWord(args[0]!, verbs, 'command');
    } catch (error) {
      if (error instanceof UsageError) {
        const names = [...new Set([...verbs, ...toolCommands.map((c) => c.name)])];
        throw new UsageError(`unknown command '${args[0]}' (commands: ${names.join(', ')}; 'ebpf help' lists them)`);
      }
      throw error;
    }
    const nouns = netshCommands.filter((c) => c.verb === verb).map((c) => c.noun);
    if (args.length < 2) throw new UsageError(`'${verb}' needs one of: ${nouns.join(', ')}`);
    const noun = matchWord(args[1]!, nouns, `'${verb}' command`);
    const command = netshCommands.find((c) => c.verb === verb && c.noun === noun)!;
    const bound = bindParams(args.slice(2), command.params, `${verb} ${noun}`);
    return await command.run(bound, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\n`);
      return 2;
    }
    if (error instanceof CliError) {
      io.err(error.message.endsWith('\n') ? error.message : `${error.message}\n`);
      return error.exitCode;
    }
    const e = error as { code?: unknown; message?: unknown };
    if (error instanceof Error && typeof e.code === 'string') {
      // A typed error from a lower layer (ElfError, BuildError, ...): its message names what and where.
      io.err(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** Entry point of bin/ebpf. */
export async function main(argv: readonly string[]): Promise<void> {
  const io = processIo(argv.includes('--json'));
  if (argv.length === 0) {
    const { runShell } = await import('./shell.ts');
    process.exitCode = await runShell({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true }, io, runCli, { netsh: netshCommands, tools: toolCommands });
    return;
  }
  process.exitCode = await runCli(argv, io);
}
