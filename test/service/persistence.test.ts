import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { socketApi } from '../../src/client/index.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { createRuntimeBackend } from '../../src/service/runtime-backend.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { MemoryBackend } from './support/memory-backend.ts';
import { removeHome, startTestService, tempHome } from './support/service.ts';
import { writeFileAtomicAsync } from '../../src/service/home.ts';

const key = (n: number) => Buffer.from(new Uint32Array([n]).buffer).toString('hex');

async function waitFor(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Starts a service in a child process; resolves with the child and its restore report once it serves. */
async function childService(home: string): Promise<{ child: ChildProcess; report: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/child-service.ts', import.meta.url)), home], { stdio: ['ignore', 'pipe', 'inherit'] });
  const report = await new Promise<string[]>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /^ready \d+ (.*)\n/.exec(text);
      if (m) resolve(JSON.parse(m[1]!) as string[]);
    });
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  return { child, report };
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('pins survive the service', () => {
  test('a pinned map and its contents, and a pinned program, survive a clean restart', async () => {
    const home = tempHome();
    const object = await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'));
    let service = await startTestService(home, new MemoryBackend());
    try {
      const api = socketApi({ EBPF_HOME: home });
      const map = await api.call('maps.create', { type: 'hash', keySize: 4, valueSize: 4, maxEntries: 8, name: 'counts', pinPath: '/app/counts' });
      await api.call('maps.update', { id: map.id, key: key(1), value: key(42) });
      await api.call('programs.load', { path: object, fileName: 'TraceConnections.o' });
      await api.close();
      await service.stop();
      service = await startTestService(home, new MemoryBackend());
      assert.deepEqual(service.restoreReport, []);
      const again = socketApi({ EBPF_HOME: home });
      const pins = await again.call('pins.list', {});
      assert.deepEqual(pins.map((p) => [p.path, p.kind]), [['BPF:\\TraceConnections', 'program'], ['BPF:\\app\\counts', 'map']]);
      const counts = pins.find((p) => p.kind === 'map')!;
      assert.deepEqual(await again.call('maps.lookup', { id: counts.id, key: key(1) }), { key: key(1), value: key(42) });
      const programs = await again.call('programs.list', {});
      assert.deepEqual(programs.map((p) => [p.name, p.fileName, p.pinnedPaths]), [['TraceConnections', 'TraceConnections.o', ['BPF:\\TraceConnections']]]);
      await again.close();
    } finally {
      await service.stop();
      removeHome(home);
    }
  });

  test('a pinned map survives kill -9 with every update older than a snapshot', async () => {
    const home = tempHome();
    let { child } = await childService(home);
    try {
      const api = socketApi({ EBPF_HOME: home });
      const map = await api.call('maps.create', { type: 'array', keySize: 4, valueSize: 4, maxEntries: 4, name: 'survivor', pinPath: 'survivor' });
      for (let i = 0; i < 4; i++) await api.call('maps.update', { id: map.id, key: key(i), value: key(100 + i) });
      await api.close();
      const snapshot = join(home, 'state', 'pins.json');
      await waitFor('the snapshot with the last update', () => existsSync(snapshot) && readFileSync(snapshot, 'utf8').includes(key(103)));
      await kill9(child);
      assert.deepEqual(readdirSync(join(home, 'state')).filter((f) => f.includes('.tmp')), []);
      const restarted = await childService(home);
      child = restarted.child;
      assert.deepEqual(restarted.report, []);
      const again = socketApi({ EBPF_HOME: home });
      const pin = await again.call('pins.get', { path: 'survivor' });
      const entries = await again.call('maps.entries', { id: pin.id });
      assert.deepEqual(entries.map((e) => e.value), [0, 1, 2, 3].map((i) => key(100 + i)));
      await again.close();
    } finally {
      await kill9(child);
      removeHome(home);
    }
  });

  test('kill -9 at any moment, even in the middle of a snapshot, restarts on a whole snapshot', async () => {
    // A writer sets every key of a 4096-entry map to generation g, key by key in order, then to g + 1, ...,
    // each round starting above every value the map holds; a snapshot is taken between two calls, so a
    // restored map never increases from one key to the next, and holds only generations written. Anything
    // else (a torn or half-read file) breaks that shape. Five kills at moments spread over the
    // writes; rounds 2 and 4 kill the moment a temporary snapshot file (~100 KB being written) is seen.
    const home = tempHome();
    let { child } = await childService(home);
    const size = 4096;
    try {
      let api = socketApi({ EBPF_HOME: home });
      let mapId = (await api.call('maps.create', { type: 'array', keySize: 4, valueSize: 4, maxEntries: size, name: 'generations', pinPath: 'generations' })).id;
      let generation = 0;
      let lastSeen = 0;
      for (let kill = 0; kill < 5; kill++) {
        let stop = false;
        const writer = (async () => {
          while (!stop) {
            generation++;
            for (let i = 0; i < size && !stop; i += 64) {
              await Promise.all(Array.from({ length: 64 }, (_, j) => api.call('maps.update', { id: mapId, key: key(i + j), value: key(generation) })));
            }
          }
        })().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 1100 + kill * 230));
        // The test backend lists only keys ever written: on a loaded machine, let a snapshot taken after the
        // first round is in place before the first kill, so every key exists in every snapshot after it.
        if (kill === 0) {
          const snapshot = join(home, 'state', 'pins.json');
          const whole = () => {
            try {
              return (JSON.parse(readFileSync(snapshot, 'utf8')) as { maps: { entries: unknown[] }[] }).maps[0]?.entries.length === size;
            } catch {
              return false;
            }
          };
          while (!whole()) await new Promise((r) => setTimeout(r, 20));
        }
        if (kill % 2 === 1) {
          const state = join(home, 'state');
          for (let polls = 0; polls < 100_000 && !readdirSync(state).some((f) => f.includes('.tmp')); polls++) await new Promise((r) => setImmediate(r));
        }
        await kill9(child);
        stop = true;
        await writer;
        await api.close();
        const restarted = await childService(home);
        child = restarted.child;
        assert.deepEqual(restarted.report, [], `restart ${kill + 1}`);
        api = socketApi({ EBPF_HOME: home });
        const pin = await api.call('pins.get', { path: 'generations' });
        const values = (await api.call('maps.entries', { id: pin.id, limit: size })).map((e) => Buffer.from(e.value, 'hex').readUInt32LE(0));
        assert.equal(values.length, size);
        const high = values[0]!;
        assert.ok(values.every((v, i) => v <= generation && (i === 0 || v <= values[i - 1]!)), `restart ${kill + 1}: a snapshot between two writes (${values.slice(0, 3)}, ... ${values.slice(-3)})`);
        assert.ok(high >= lastSeen, `restart ${kill + 1}: generations never go back (${high} after ${lastSeen})`);
        lastSeen = high;
        assert.deepEqual(readdirSync(join(home, 'state')).filter((f) => f.includes('.tmp')), []);
        // The next round writes on from what survived, on the restored map.
        mapId = pin.id;
        generation = high;
      }
      await api.close();
    } finally {
      await kill9(child);
      removeHome(home);
    }
  });

  test('temporary files a kill left behind are removed, never read', async () => {
    const home = tempHome();
    let service = await startTestService(home, new MemoryBackend());
    try {
      const api = socketApi({ EBPF_HOME: home });
      const map = await api.call('maps.create', { type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, name: 'kept', pinPath: 'kept' });
      await api.call('maps.update', { id: map.id, key: key(0), value: key(7) });
      await api.close();
      await service.stop();
      // What a kill in the middle of writeFileAtomic leaves: a temporary file, half written.
      const state = join(home, 'state');
      writeFileSync(join(state, 'pins.json.tmp-999999'), '{"version":2,"maps":[{"path":"BPF:\\\\kept","id":1,"na');
      writeFileSync(join(state, 'objects', `${'0'.repeat(64)}.o.tmp-999999`), 'half an object');
      service = await startTestService(home, new MemoryBackend());
      assert.deepEqual(service.restoreReport, []);
      assert.deepEqual(readdirSync(state).filter((f) => f.includes('.tmp')), []);
      assert.deepEqual(readdirSync(join(state, 'objects')), []);
      const again = socketApi({ EBPF_HOME: home });
      const pin = await again.call('pins.get', { path: 'kept' });
      assert.deepEqual((await again.call('maps.entries', { id: pin.id })).map((e) => e.value), [key(7)]);
      await again.close();
    } finally {
      await service.stop();
      removeHome(home);
    }
  });

  test('a snapshot that does not parse (never one this service wrote) is set aside, named in the report, not half-applied', async () => {
    const home = tempHome();
    let service = await startTestService(home, new MemoryBackend());
    await service.stop();
    const file = join(home, 'state', 'pins.json');
    writeFileSync(file, '{"version":2,"savedAt":"x","maps":[{"path":"BPF:\\\\a","id":1,"name":"a","type":"array","keySize":4');
    service = await startTestService(home, new MemoryBackend());
    try {
      assert.equal(service.restoreReport.length, 1);
      assert.match(service.restoreReport[0]!, /pins\.json: .*JSON.*; starting with no pins \(the file is kept as .*pins\.json\.unreadable\)/);
      assert.ok(existsSync(`${file}.unreadable`));
      const api = socketApi({ EBPF_HOME: home });
      assert.deepEqual([await api.call('pins.list', {}), await api.call('maps.list', {})], [[], []]);
      await api.close();
    } finally {
      await service.stop();
      removeHome(home);
    }
  });

  test('a pinned map whose program is gone keeps its BTF across a restart: its entries still decode', async () => {
    const home = tempHome();
    const object = await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'));
    let service = await startTestService(home, await createRuntimeBackend(new Runtime({ cpuCount: 1 })));
    try {
      const api = socketApi({ EBPF_HOME: home });
      await api.call('programs.load', { path: object, fileName: 'TraceConnections.o' });
      const procMap = (await api.call('maps.list', {})).find((m) => m.name === 'proc_map')!;
      await api.call('pins.pin', { kind: 'map', id: procMap.id, path: 'proc_map' });
      // process_info { id = 7, name = "node", count = 3 }: 4 + 32 + 4 bytes.
      const value = Buffer.alloc(40);
      value.writeUInt32LE(7, 0);
      value.write('node', 4);
      value.writeUInt32LE(3, 36);
      await api.call('maps.update', { id: procMap.id, key: key(7), value: value.toString('hex') });
      const before = await api.call('maps.entries', { id: procMap.id });
      assert.ok(before[0]!.decodedValue !== undefined, 'decoded before the restart');
      // The program goes: only the pin holds the map now.
      const program = (await api.call('programs.list', {}))[0]!;
      await api.call('programs.delete', { id: program.id });
      assert.deepEqual((await api.call('programs.list', {})).map((p) => p.name), []);
      await api.close();
      await service.stop();
      const btfFiles = readdirSync(join(home, 'state', 'objects')).filter((f) => f.endsWith('.btf'));
      assert.equal(btfFiles.length, 1, 'the map\'s BTF is kept beside the objects');

      service = await startTestService(home, await createRuntimeBackend(new Runtime({ cpuCount: 1 })));
      assert.deepEqual(service.restoreReport, []);
      const again = socketApi({ EBPF_HOME: home });
      const pin = await again.call('pins.get', { path: 'proc_map' });
      const after = await again.call('maps.entries', { id: pin.id });
      assert.deepEqual(after, before.map((e) => ({ ...e })), 'same bytes, decoded the same way');
      await again.close();
      await service.stop();

      // A kept BTF that was changed on disk: named in the report, the map comes back as bytes.
      const btfFile = join(home, 'state', 'objects', btfFiles[0]!);
      writeFileSync(btfFile, Buffer.from('not btf'));
      service = await startTestService(home, await createRuntimeBackend(new Runtime({ cpuCount: 1 })));
      assert.equal(service.restoreReport.length, 2, service.restoreReport.join('\n'));
      assert.match(service.restoreReport[0]!, /map BPF:\\proc_map: its BTF is not restored, its entries show as bytes \(the kept copy .*\.btf was changed/);
      const third = socketApi({ EBPF_HOME: home });
      const bytesOnly = await third.call('maps.entries', { id: (await third.call('pins.get', { path: 'proc_map' })).id });
      assert.deepEqual(bytesOnly, before.map((e) => ({ key: e.key, value: e.value })));
      await third.close();
    } finally {
      await service.stop();
      removeHome(home);
    }
  });
});

test('the background snapshot write renames only while its owner still wants it, and never leaves a temporary file', async () => {
  const home = tempHome();
  try {
    mkdirSync(home, { recursive: true });
    const file = join(home, 'snapshot.json');
    assert.equal(await writeFileAtomicAsync(file, '{"a":1}'), true);
    assert.equal(readFileSync(file, 'utf8'), '{"a":1}');
    // Stopped meanwhile: the newer synchronous snapshot stays; the late one is dropped whole.
    assert.equal(await writeFileAtomicAsync(file, '{"a":2}', () => false), false);
    assert.equal(readFileSync(file, 'utf8'), '{"a":1}');
    assert.deepEqual(readdirSync(home).filter((f) => f.includes('.tmp-')), []);
  } finally {
    removeHome(home);
  }
});
