import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { socketApi } from '../../src/client/index.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { MemoryBackend } from './support/memory-backend.ts';
import { removeHome, startTestService, tempHome } from './support/service.ts';

const key = (n: number) => Buffer.from(new Uint32Array([n]).buffer).toString('hex');

async function waitFor(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
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
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/child-service.ts', import.meta.url)), home], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => c.toString().startsWith('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
      });
      const api = socketApi({ EBPF_HOME: home });
      const map = await api.call('maps.create', { type: 'array', keySize: 4, valueSize: 4, maxEntries: 4, name: 'survivor', pinPath: 'survivor' });
      for (let i = 0; i < 4; i++) await api.call('maps.update', { id: map.id, key: key(i), value: key(100 + i) });
      await api.close();
      const snapshot = join(home, 'state', 'pins.json');
      await waitFor('the snapshot with the last update', () => existsSync(snapshot) && readFileSync(snapshot, 'utf8').includes(key(103)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      assert.deepEqual(readdirSync(join(home, 'state')).filter((f) => f.includes('.tmp')), []);
      const service = await startTestService(home, new MemoryBackend());
      try {
        const again = socketApi({ EBPF_HOME: home });
        const pin = await again.call('pins.get', { path: 'survivor' });
        const entries = await again.call('maps.entries', { id: pin.id });
        assert.deepEqual(entries.map((e) => e.value), [0, 1, 2, 3].map((i) => key(100 + i)));
        await again.close();
      } finally {
        await service.stop();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      removeHome(home);
    }
  });
});
