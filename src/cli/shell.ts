// The interactive `ebpf>` prompt (netsh's context shell): each line is a command as `ebpf` takes it on
// the command line, with history kept in $EBPF_HOME/history and tab completion over the command table.

import { appendFileSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ensurePrivateDir, servicePaths } from '../service/home.ts';
import { tokenize, UsageError } from './args.ts';
import type { CliIo } from './io.ts';

/** What the shell offers completion for. */
export interface ShellCommands {
  readonly netsh: readonly { verb: string; noun: string; params: readonly { tag: string }[] }[];
  readonly tools: readonly { name: string }[];
}

const HISTORY_KEEP = 500;

/** Completions for the text before the cursor: the verb, then the noun, then `tag=` of its parameters. */
export function complete(line: string, commands: ShellCommands): [string[], string] {
  const words = line.split(/\s+/);
  const last = words[words.length - 1] ?? '';
  const done = words.slice(0, -1).filter(Boolean);
  let choices: string[];
  if (done.length === 0) choices = [...new Set([...commands.netsh.map((c) => c.verb), ...commands.tools.map((t) => t.name), 'help', 'exit'])];
  else if (done.length === 1) choices = commands.netsh.filter((c) => c.verb.startsWith(done[0]!.toLowerCase())).map((c) => c.noun);
  else {
    const command = commands.netsh.find((c) => c.verb.startsWith(done[0]!.toLowerCase()) && c.noun.startsWith(done[1]!.toLowerCase()));
    choices = command ? command.params.map((p) => `${p.tag}=`) : [];
  }
  return [choices.filter((c) => c.startsWith(last)).sort(), last];
}

/** Runs the shell until `exit` or end of input; each line goes to `run` with its own `--json` choice. */
export async function runShell(
  streams: { input: Readable; output: Writable; terminal: boolean },
  io: CliIo,
  run: (argv: readonly string[], io: CliIo) => Promise<number>,
  commands: ShellCommands,
): Promise<number> {
  const paths = servicePaths(io.env);
  let history: string[] = [];
  try {
    history = readFileSync(paths.history, 'utf8').split('\n').filter(Boolean).reverse().slice(0, HISTORY_KEEP);
  } catch {
    // No history yet.
  }
  const rl = createInterface({ input: streams.input, output: streams.output, terminal: streams.terminal, history, historySize: HISTORY_KEEP, prompt: 'ebpf> ', completer: (line: string) => complete(line, commands) });
  let status = 0;
  rl.prompt();
  for await (const line of rl) {
    const trimmed = line.trim();
    if (trimmed === 'exit' || trimmed === 'quit' || trimmed === 'bye') break;
    if (trimmed !== '') {
      try {
        ensurePrivateDir(paths.home);
        appendFileSync(paths.history, `${trimmed}\n`, { mode: 0o600 });
      } catch {
        // History is a convenience; a read-only home must not stop the shell.
      }
      try {
        const argv = tokenize(trimmed);
        const lineIo: CliIo = { ...io, json: argv.includes('--json') };
        status = await run(argv[0] === 'ebpf' || argv[0] === 'netsh' ? argv.slice(argv[1] === 'ebpf' ? 2 : 1) : argv, lineIo);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        io.err(`error: ${error.message}\n`);
        status = 2;
      }
    }
    rl.prompt();
  }
  rl.close();
  return status;
}
