import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { join } from 'node:path';
import { socketApi } from '../../src/client/index.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { createRuntimeBackend } from '../../src/service/runtime-backend.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { driveService } from './support/load.ts';
import { MemoryBackend } from './support/memory-backend.ts';
import { removeHome, startTestService, tempHome } from './support/service.ts';

// Eight clients at once for about three seconds (no timing asserted): every request that succeeded left its mark in the map,
// and nothing else did. (The 60-second version with figures is bench/service.ts.)
describe('the service under load', () => {
  test('8 concurrent clients lose no update and the map holds exactly the successful ones', async () => {
    const home = tempHome();
    const service = await startTestService(home, new MemoryBackend());
    try {
      const api = socketApi({ EBPF_HOME: home });
      const map = await api.call('maps.create', { type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1_000_000, name: 'load', pinPath: 'load' });
      const key = (client: number, n: number) => Buffer.from(new Uint32Array([client * 0x1000000 + n]).buffer).toString('hex');
      const result = await driveService(home, 8, 3, (c, client, n) => c.call('maps.update', { id: map.id, key: key(client, n), value: key(client, n), flags: 1 }));
      const entries = await api.call('maps.entries', { id: map.id, limit: 1_000_000 });
      await api.close();
      assert.equal(result.failed, 0);
      assert.ok(result.ok > 0);
      assert.equal(entries.length, result.ok);
      assert.ok(entries.every((e) => e.key === e.value));
    } finally {
      await service.stop();
      removeHome(home);
    }
  });
});

// The measure, short: 8 clients doing test runs of the canonical example through a service
// hosting the real runtime; proc_map's count must equal the successful runs (nothing lost, nothing extra).
describe('test runs of the canonical example under load', () => {
  test('8 concurrent clients: proc_map counts exactly the successful runs', async () => {
    const home = tempHome();
    const service = await startTestService(home, await createRuntimeBackend(new Runtime()));
    try {
      const api = socketApi({ EBPF_HOME: home });
      const object = await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'));
      const loaded = await api.call('programs.load', { path: object, fileName: 'TraceConnections.o' });
      const id = loaded.programIds[0]!;
      const ctx = Buffer.alloc(56);
      ctx.writeUInt32LE(4242, 16);
      const request = { id, dataIn: Buffer.from('node.exe', 'utf16le').toString('hex'), contextIn: ctx.toString('hex') };
      const result = await driveService(home, 8, 3, (c) => c.call('programs.testRun', request));
      const entry = await api.call('maps.lookup', { id: loaded.mapIds[0]!, key: Buffer.from(new Uint32Array([4242]).buffer).toString('hex') });
      assert.equal(result.failed, 0);
      assert.ok(result.ok > 0);
      assert.deepEqual(entry?.decodedValue, { id: 4242, name: 'node.exe', count: result.ok });

      // A run of a million repeats goes in slices: a call made after it starts is answered before it ends.
      const order: string[] = [];
      const client = socketApi({ EBPF_HOME: home });
      const long = client.call('programs.testRun', { ...request, repeat: 1_000_000 }).then(() => order.push('million runs'));
      await new Promise((r) => setTimeout(r, 20));
      await client.call('status', {}).then(() => order.push('status'));
      await long;
      await client.close();
      assert.deepEqual(order, ['status', 'million runs']);
      await api.close();
    } finally {
      await service.stop();
      removeHome(home);
    }
  });
});
