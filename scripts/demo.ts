// `npm run demo`: the canonical example, TraceConnections, as far as the platform goes today: compiled
// with clang against our headers, then its sections, maps and source-interleaved disassembly, all through
// the same `ebpf` commands a user types.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.ts';
import { processIo } from '../src/cli/io.ts';
import { repoRoot } from '../test/support/paths.ts';

const io = processIo(false);
const work = mkdtempSync(join(tmpdir(), 'ebpf-demo-'));
const object = join(work, 'TraceConnections.o');

async function step(title: string, argv: string[]): Promise<void> {
  const [bold, plain] = process.stdout.isTTY ? ['\x1b[1m', '\x1b[0m'] : ['', ''];
  io.out(`\n${bold}$ ebpf ${argv.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ')}${plain}   # ${title}\n`);
  const code = await runCli(argv, io);
  if (code !== 0) {
    io.err(`demo: '${argv.join(' ')}' failed with exit code ${code}\n`);
    process.exit(code);
  }
}

await step('compile the canonical example with clang-19 and our headers', ['build', join(repoRoot, 'examples', 'TraceConnections.c'), '-o', object]);
await step('its programs and maps, as netsh prints them', ['show', 'sections', object]);
await step('the same, verbose, with instruction statistics', ['show', 'sections', object, 'section=bind']);
await step('the program, with the source lines it came from', ['show', 'disassembly', object]);
io.out(`\nThe object is at ${object}.\n`);
io.out('Next in the plan: verification, test runs with live maps, the service with `add program`, and real binds of Node processes.\n');
