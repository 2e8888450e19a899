import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { removeHome, tempHome } from '../service/support/service.ts';

// The walkthrough, typed as a user types it: `bin/ebpf` against a service started with
// `ebpf service start` on a fresh $EBPF_HOME, hosting the real runtime (programs load verified and run).
// Then the same session typed at the `ebpf>` prompt of `bin/ebpf` alone, on another fresh service: the
// shell prints exactly what the separate commands printed.
const run = promisify(execFile);
const bin = join(repoRoot, 'bin', 'ebpf');

interface Printed {
  code: number;
  out: string;
  err: string;
}

function user(home: string, cwd: string) {
  return async (line: string): Promise<Printed> => {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, ...line.split(' ')], { env: { ...process.env, EBPF_HOME: home }, cwd });
      return { code: 0, out: stdout, err: stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout, err: e.stderr };
    }
  };
}

function killService(home: string): void {
  const pidFile = join(home, 'service.pid');
  if (!existsSync(pidFile)) return;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  } catch {
    // already gone
  }
}

const PROGRAMS_HEADER = '\n    ID  Pins  Links  Mode       Type           Name\n======  ====  =====  =========  =============  ====================\n';
const MAPS_HEADER =
  '\n                              Key  Value      Max  Inner\n     ID            Map Type  Size   Size  Entries     ID  Pins  Name\n=======  ==================  ====  =====  =======  =====  ====  ========\n';
const PINS_HEADER = '\n     ID     Type  Path\n=======  =======  ==============\n';
const LINKS_HEADER = '\n   Link  Program  Attach\n     ID       ID  Type\n=======  =======  =============\n';
const DUMP = (count: number) =>
  `[\n    {\n        "key": 4242,\n        "value": {\n            "id": 4242,\n            "name": "node.exe",\n            "count": ${count}\n        }\n    }\n]\nFound 1 element\n`;
const NO_SERVICE = /^error: no eBPF service is running \(no answer on .*service\.sock\); start one with: ebpf service start\n$/;

// In a fresh service the first object's map gets id 1, its program id 2 and the program's link id 3.
// Each step: the line typed, and what it must print on stdout and stderr (exactly, or matching).
const session: [line: string, out: string | RegExp, err: string | RegExp][] = [
  ['show programs', '', NO_SERVICE],
  ['service start', /^eBPF service started \(pid \d+\)\n$/, ''],
  ['add program TraceConnections.o', 'Loaded with ID 2\n', ''],
  ['show programs', `${PROGRAMS_HEADER}     2     1      1  JIT        bind           TraceConnections\n`, ''],
  ['show maps', `${MAPS_HEADER}      1                hash     4     40     1024      0     0  proc_map\n`, ''],
  ['show links', `${LINKS_HEADER}      3        2  bind\n`, ''],
  ['prog run id 2 data_in=appid.bin ctx_in=ctx.bin repeat=3', /^Return value: 0, duration \(average\): \d+ns\n$/, ''],
  ['map dump name proc_map', DUMP(3), ''],
  ['prog run id 2 data_in=appid.bin ctx_in=ctx.bin', /^Return value: 0, duration: \d+ns\n$/, ''],
  ['map lookup id 1 key 0x92 0x10 0 0', '{\n    "key": 4242,\n    "value": {\n        "id": 4242,\n        "name": "node.exe",\n        "count": 4\n    }\n}\n', ''],
  ['pin program 2 mypinpath/trace', '', ''],
  ['pin map 1 /ebpf/global/proc_map', '', ''],
  // Sorted by code point, as netsh sorts them.
  ['show pins', `${PINS_HEADER}      2  Program  BPF:\\TraceConnections\n      2  Program  BPF:\\mypinpath\\trace\n      1      Map  BPF:\\proc_map\n`, ''],
  ['show maps', `${MAPS_HEADER}      1                hash     4     40     1024      0     1  proc_map\n`, ''],
  ['unpin program 2 BPF:\\mypinpath\\trace', '', ''],
  ['unpin program 2 BPF:\\mypinpath\\trace', '', 'Error 1168 unpinning 2 from BPF:\\mypinpath\\trace\n'],
  ['pin program 99', '', 'The parameter is incorrect.\n'],
  ['show programs id=2', '\nID             : 2\nFile name      : TraceConnections.o\nSection        : bind\nName           : TraceConnections\nProgram type   : bind\nMode           : JIT\n# map IDs      : 1\nmap IDs        : 1\n# pinned paths : 1\n# links        : 1\n', ''],
  ['set program 2 attached=""', '', ''],
  ['set program 2 attached=""', '', 'error 1168: could not detach program\n'],
  ['show links', LINKS_HEADER, ''],
  ['delete program 2', 'Unpinned 2 from BPF:\\TraceConnections\n', ''],
  ['delete prog 2', '', 'Program not found\n'],
  ['show programs', PROGRAMS_HEADER, ''],
  // The map outlives its program: its pin holds it, with what the runs counted.
  ['map dump pinned BPF:\\proc_map', DUMP(4), ''],
  ['unpin map 1 proc_map', '', ''],
  ['show maps', MAPS_HEADER, ''],
  ['show pins', PINS_HEADER, ''],
];

function check(step: string, printed: Printed, out: string | RegExp, err: string | RegExp): void {
  if (typeof out === 'string') assert.equal(printed.out, out, `stdout of '${step}'`);
  else assert.match(printed.out, out, `stdout of '${step}'`);
  if (typeof err === 'string') assert.equal(printed.err, err, `stderr of '${step}'`);
  else assert.match(printed.err, err, `stderr of '${step}'`);
}

describe('the walkthrough against the real runtime', () => {
  const homes = [tempHome(), tempHome()];
  let dir = '';
  before(async () => {
    const object = await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'));
    dir = join(object, '..');
    // bind_md_t: the app id (UTF-16LE) comes as the data, process_id 4242 at offset 16, operation BIND (0).
    writeFileSync(join(dir, 'appid.bin'), Buffer.from('node.exe', 'utf16le'));
    const ctx = Buffer.alloc(56);
    ctx.writeUInt32LE(4242, 16);
    writeFileSync(join(dir, 'ctx.bin'), ctx);
  });
  after(async () => {
    for (const home of homes) {
      await user(home, dir || repoRoot)('service stop');
      killService(home);
      removeHome(home);
    }
  });

  const printedByStep: Printed[] = [];

  test('each command prints what netsh and bpftool print', async () => {
    const ebpf = user(homes[0]!, dir);
    for (const [line, out, err] of session) {
      const printed = await ebpf(line);
      check(line, printed, out, err);
      printedByStep.push(printed);
    }
  });

  test('the ebpf> shell takes the same session and prints the same', async () => {
    assert.equal(printedByStep.length, session.length, 'the command session ran first');
    const child = spawn(process.execPath, [bin], { env: { ...process.env, EBPF_HOME: homes[1]! }, cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.end(`${session.map(([line]) => line).join('\n')}\nexit\n`);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, err);
    // Every command's output follows its prompt; the last prompt is the one `exit` answered.
    const outputs = out.split('ebpf> ');
    assert.equal(outputs.shift(), '');
    assert.equal(outputs.pop(), '');
    assert.equal(outputs.length, session.length);
    const same = (text: string) => text.replace(/\d+ns\n/g, 'Nns\n').replace(/\(pid \d+\)/, '(pid N)').replace(/ebpf-svc-\w+/g, 'HOME');
    for (let i = 0; i < session.length; i++) {
      const [line, expectedOut] = session[i]!;
      assert.equal(same(outputs[i]!), same(printedByStep[i]!.out), `shell stdout of '${line}'`);
      if (typeof expectedOut !== 'string') assert.match(outputs[i]!, expectedOut);
    }
    assert.equal(same(err), same(printedByStep.map((p) => p.err).join('')));
  });
});
