import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

// Pinned programs persist with their object (kept by its SHA-256, loaded and verified again on restart)
// and the contents of their maps; links do not persist (as on Windows, pins name programs and maps).
describe('a pinned program and its map survive the service', () => {
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
    await user(home, dir || repoRoot)('service stop');
    killService(home);
    removeHome(home);
  });

  const count = async (ebpf: ReturnType<typeof user>) => (JSON.parse((await ebpf('map dump name proc_map --json')).out) as { value: { count: number } }[])[0]?.value.count;
  const row = (id: number, links: number) => new RegExp(`\\n${String(id).padStart(6)}     1  ${String(links).padStart(5)}  JIT        bind           TraceConnections\\n$`);
  /** The count proc_map holds in the last snapshot written (the entry's last 4 bytes). */
  const snapshotCount = () => {
    const snapshot = JSON.parse(readFileSync(join(home, 'state', 'pins.json'), 'utf8')) as { programMaps: { name: string; entries: [string, string][] }[] };
    const value = snapshot.programMaps.find((m) => m.name === 'proc_map')?.entries[0]?.[1];
    return value === undefined ? undefined : Buffer.from(value, 'hex').readUInt32LE(36);
  };

  test('through service stop/start and kill -9, verified again, unattached, counting on', async () => {
    const ebpf = user(home, dir);
    await ebpf('service start');
    assert.equal((await ebpf('add program TraceConnections.o')).out, 'Loaded with ID 2\n');
    assert.equal((await ebpf('prog run id 2 data_in=appid.bin ctx_in=ctx.bin repeat=3')).code, 0);
    assert.equal(await count(ebpf), 3);

    assert.equal((await ebpf('service stop')).out, 'eBPF service stopped\n');
    await ebpf('service start');
    const programs = JSON.parse((await ebpf('show programs --json')).out) as { id: number; fileName: string; pinnedPaths: string[]; linkIds: number[] }[];
    assert.equal(programs.length, 1);
    const [restored] = programs;
    assert.deepEqual([restored!.fileName, restored!.pinnedPaths, restored!.linkIds], ['TraceConnections.o', ['BPF:\\TraceConnections'], []]);
    assert.match((await ebpf('show programs')).out, row(restored!.id, 0));
    assert.match((await ebpf('show maps')).out, / {16}hash {5}4 {5}40 {5}1024 {6}0 {5}0  proc_map\n$/);
    assert.equal(await count(ebpf), 3);
    // The restored program runs and counts in the restored map.
    assert.equal((await ebpf('prog run pinned BPF:\\TraceConnections data_in=appid.bin ctx_in=ctx.bin')).code, 0);
    assert.equal(await count(ebpf), 4);
    assert.equal((await ebpf(`set program ${restored!.id} attached=bind`)).code, 0);
    assert.match((await ebpf('show programs')).out, row(restored!.id, 1));

    for (let i = 0; i < 200 && snapshotCount() !== 4; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(snapshotCount(), 4);
    killService(home);
    await ebpf('service start');
    assert.equal(await count(ebpf), 4);
    assert.match((await ebpf('show programs')).out, /     1      0  JIT        bind           TraceConnections\n$/);
    await ebpf('service stop');
  });

  test('a kept object changed on disk is not loaded again, and the log says why', async () => {
    const ebpf = user(home, dir);
    const objects = join(home, 'state', 'objects');
    const [kept] = readdirSync(objects);
    assert.match(kept!, /^[0-9a-f]{64}\.o$/);
    const bytes = readFileSync(join(objects, kept!));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(join(objects, kept!), bytes);
    await ebpf('service start');
    assert.equal((await ebpf('show programs')).out.split('\n').length, 4);
    const log = readFileSync(join(home, 'service.log'), 'utf8');
    assert.match(log, /not restored: programs of TraceConnections\.o: the kept copy .* was changed/);
    // What could not come back is not forgotten: the snapshot naming it stays beside the new one.
    const kept_ = /not restored: the snapshot that named them is kept as (.*\.json)\n/.exec(log)?.[1];
    assert.ok(kept_ && existsSync(kept_), log);
    assert.match(readFileSync(kept_, 'utf8'), /TraceConnections/);
  });
});
