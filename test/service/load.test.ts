import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { socketApi } from '../../src/client/index.ts';
import { driveService } from './support/load.ts';
import { MemoryBackend } from './support/memory-backend.ts';
import { removeHome, startTestService, tempHome } from './support/service.ts';

// Eight clients at once for about three seconds: every request that succeeded left its mark in the map,
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
