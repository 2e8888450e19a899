import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiError, socketApi, type EbpfApi } from '../../src/client/index.ts';
import { bufferedIo } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/main.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
import type { RunningService } from '../../src/service/daemon.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { MemoryBackend } from './support/memory-backend.ts';
import { removeHome, startTestService, tempHome } from './support/service.ts';

/** This machine's loopback interface: its name and index, as /sys/class/net tells them. */
function loopback(): { name: string; index: number } {
  const name = readdirSync('/sys/class/net').find((n) => n === 'lo') ?? readdirSync('/sys/class/net')[0]!;
  return { name, index: Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim()) };
}

// Links for every attach type of the platform, with their attach parameters: an interface for XDP, a
// compartment for CGROUP_SOCK_ADDR, refused elsewhere with netsh's messages; `set program` attaches and
// detaches; `show links` and `link show` print them.
describe('links of every attach type', () => {
  const home = tempHome();
  let service: RunningService;
  let api: EbpfApi;
  let object = '';
  before(async () => {
    object = await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'));
    service = await startTestService(home, new MemoryBackend());
    api = socketApi({ EBPF_HOME: home });
  });
  after(async () => {
    await api?.close();
    await service?.stop();
    removeHome(home);
  });

  const rejects = (promise: Promise<unknown>, code: string, message?: string) =>
    assert.rejects(promise, (e: unknown) => e instanceof ApiError && e.code === code && (message === undefined || e.message === message));

  for (const attach of windowsPlatform.attachTypes) {
    const programType = windowsPlatform.programTypeById(attach.programType)!.name;
    test(`${attach.name} (${programType})`, async () => {
      // The object's program loaded as this attach type's program type (the test backend does not verify).
      const loaded = await api.call('programs.load', { path: object, type: attach.name, pinned: 'none' });
      const id = loaded.programIds[0]!;
      // add program attached it by its type's default attach type.
      const first = (await api.call('links.list', {})).find((l) => l.id === loaded.linkIds[0])!;
      assert.equal(windowsPlatform.attachTypes.find((a) => a.name === first.attachType)?.programType, attach.programType);
      await api.call('programs.detach', { id });
      const lo = loopback();
      let link;
      if (programType === 'xdp') {
        link = await api.call('programs.attach', { id, attachType: attach.name, interface: lo.name });
        assert.equal(link.interfaceIndex, lo.index);
        await rejects(api.call('programs.attach', { id, attachType: attach.name, interface: 'no-such-interface' }), 'INTERFACE_INVALID', 'Interface parameter is invalid.');
      } else if (programType === 'sock_addr') {
        link = await api.call('programs.attach', { id, attachType: attach.name, compartment: 7 });
        assert.equal(link.compartment, 7);
        await rejects(api.call('programs.attach', { id, attachType: attach.name, compartment: 0 }), 'COMPARTMENT_INVALID', 'Compartment parameter is invalid.');
      } else {
        link = await api.call('programs.attach', { id, attachType: attach.name });
      }
      assert.deepEqual([link.programId, link.attachType], [id, attach.name]);
      if (programType !== 'xdp') {
        await rejects(api.call('programs.attach', { id, attachType: attach.name, interface: lo.name }), 'INTERFACE_NOT_ALLOWED', "Interface parameter is not allowed for program types that don't support interfaces.");
      }
      if (programType !== 'sock_addr') {
        await rejects(api.call('programs.attach', { id, attachType: attach.name, compartment: 1 }), 'COMPARTMENT_NOT_ALLOWED', "Compartment parameter is not allowed for program types that don't support compartments.");
      }
      // An attach type of another program type is refused.
      const other = windowsPlatform.attachTypes.find((a) => a.programType !== attach.programType)!;
      await rejects(api.call('programs.attach', { id, attachType: other.name }), 'ATTACH_FAILED');
      assert.deepEqual((await api.call('links.list', {})).filter((l) => l.programId === id), [link], 'refused attaches leave no link');
      const shown = bufferedIo({ env: { EBPF_HOME: home } });
      assert.equal(await runCli(['show', 'links'], shown), 0);
      assert.ok(shown.stdout.includes(`${String(link.id).padStart(7)}${String(id).padStart(9)}  ${attach.name}\n`), shown.stdout);
      const json = bufferedIo({ env: { EBPF_HOME: home }, json: true });
      assert.equal(await runCli(['link', 'show', 'id', String(link.id)], json), 0);
      assert.deepEqual(JSON.parse(json.stdout), {
        id: link.id, type: attach.name, prog_id: id, attach_type: attach.name,
        ...(programType === 'xdp' ? { ifindex: lo.index } : {}), ...(programType === 'sock_addr' ? { compartment_id: 7 } : {}),
      });
      // set program detaches (attached=""), then deleting unloads what is left.
      const detach = bufferedIo({ env: { EBPF_HOME: home } });
      assert.equal(await runCli(['set', 'program', String(id), 'attached='], detach), 0, detach.stderr);
      assert.deepEqual((await api.call('links.list', {})).filter((l) => l.programId === id), []);
      await api.call('programs.delete', { id });
    });
  }

  test('add program interface= and compartment= attach with them, as netsh does', async () => {
    const lo = loopback();
    const xdp = await api.call('programs.load', { path: object, type: 'xdp', pinned: 'none', interface: String(lo.index) });
    assert.equal((await api.call('links.list', {})).find((l) => l.id === xdp.linkIds[0])?.interfaceIndex, lo.index);
    const sockAddr = await api.call('programs.load', { path: object, type: 'cgroup/connect4', pinned: 'none', compartment: 3 });
    assert.equal((await api.call('links.list', {})).find((l) => l.id === sockAddr.linkIds[0])?.compartment, 3);
    const before = JSON.stringify([await api.call('programs.list', {}), await api.call('maps.list', {}), await api.call('links.list', {})]);
    const io = bufferedIo({ env: { EBPF_HOME: home }, cwd: join(object, '..') });
    assert.equal(await runCli(['add', 'program', 'TraceConnections.o', 'type=cgroup/connect4', 'pinned=none', 'compartment=0'], io), 1);
    assert.equal(io.stderr, 'Compartment parameter is invalid.\n');
    assert.equal(JSON.stringify([await api.call('programs.list', {}), await api.call('maps.list', {}), await api.call('links.list', {})]), before, 'a refused load leaves nothing');
  });
});
