import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { removeHome, tempHome } from '../service/support/service.ts';

// The real thing, typed as a user types it: `bin/ebpf` against a service started with `ebpf service
// start` on a temporary $EBPF_HOME, hosting the real runtime.
const run = promisify(execFile);

function user(home: string, cwd: string) {
  return async (line: string): Promise<{ code: number; out: string; err: string }> => {
    try {
      const { stdout, stderr } = await run(process.execPath, [join(repoRoot, 'bin', 'ebpf'), ...line.split(' ')], { env: { ...process.env, EBPF_HOME: home }, cwd });
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

describe('ebpf service with the real runtime', () => {
  const home = tempHome();
  const ebpf = user(home, repoRoot);
  after(async () => {
    await ebpf('service stop');
    killService(home);
    removeHome(home);
  });

  test('service start, map create/update/dump, and the map survives a clean restart and a kill -9', async () => {
    assert.match((await ebpf('service start')).out, /^eBPF service started \(pid \d+\)\n$/);
    assert.equal((await ebpf('map create FileName type array key 4 value 4 entries 2 name Name')).code, 0);
    assert.equal((await ebpf('map update pinned FileName key 1 0 0 0 value 42 0 0 0')).code, 0);
    const dump = 'key: 00 00 00 00  value: 00 00 00 00\nkey: 01 00 00 00  value: 2a 00 00 00\nFound 2 elements\n';
    assert.equal((await ebpf('map dump pinned FileName')).out, dump);
    assert.ok((await ebpf('show maps')).out.endsWith('      1               array     4      4        2      0     1  Name\n'));

    assert.equal((await ebpf('service stop')).out, 'eBPF service stopped\n');
    assert.equal((await ebpf('service status')).code, 3);
    await ebpf('service start');
    assert.equal((await ebpf('map dump pinned FileName')).out, dump);

    assert.equal((await ebpf('map update pinned FileName key 0 0 0 0 value 7 0 0 0')).code, 0);
    const snapshot = join(home, 'state', 'pins.json');
    for (let i = 0; i < 200 && !readFileSync(snapshot, 'utf8').includes('07000000'); i++) await new Promise((r) => setTimeout(r, 25));
    killService(home);
    assert.match((await ebpf('service start')).out, /^eBPF service started/);
    assert.equal((await ebpf('map dump pinned FileName')).out, dump.replace('value: 00 00 00 00', 'value: 07 00 00 00'));
  });
});

// The walkthrough of the issue, against the real runtime: programs load verified, and test runs through
// the service update the maps.
describe('the canonical session', () => {
  const home = tempHome();
  let dir = '';
  before(async () => {
    const object = await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'));
    dir = join(object, '..');
    writeFileSync(join(dir, 'appid.bin'), Buffer.from('node.exe', 'utf16le'));
    const ctx = Buffer.alloc(56);
    ctx.writeUInt32LE(4242, 16);
    writeFileSync(join(dir, 'ctx.bin'), ctx);
  });
  after(async () => {
    await user(home, dir)('service stop');
    killService(home);
    removeHome(home);
  });

  test('add, show, run, dump, pin, unpin and delete print as on Windows', async () => {
    const ebpf = user(home, dir);
    await ebpf('service start');
    const added = await ebpf('add program TraceConnections.o');
    const id = Number(/^Loaded with ID (\d+)\n$/.exec(added.out)?.[1]);
    assert.ok(id > 0, added.err);
    assert.match((await ebpf('show programs')).out, new RegExp(`\\n${String(id).padStart(6)}     1      1  JIT        bind           TraceConnections\\n$`));
    assert.match((await ebpf('show maps')).out, /  {15}hash {5}4 {5}40 {5}1024 {6}0 {5}0  proc_map\n$/);
    for (let i = 0; i < 3; i++) assert.match((await ebpf(`prog run id ${id} data_in appid.bin ctx_in ctx.bin`)).out, /^Return value: 0, duration: \d+ns\n$/);
    const dump = JSON.parse((await ebpf('map dump name proc_map --json')).out);
    assert.deepEqual(dump, [{ key: 4242, value: { id: 4242, name: 'node.exe', count: 3 } }]);
    assert.equal((await ebpf(`pin program ${id} mypin`)).code, 0);
    assert.match((await ebpf('show pins')).out, /Program  BPF:\\mypin\n/);
    assert.equal((await ebpf(`unpin program ${id} mypin`)).code, 0);
    assert.equal((await ebpf(`delete program ${id}`)).out, `Unpinned ${id} from BPF:\\TraceConnections\n`);
    assert.equal((await ebpf(`delete program ${id}`)).err, 'Program not found\n');
  });
});
