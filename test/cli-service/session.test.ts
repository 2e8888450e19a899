import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { bufferedIo } from '../../src/cli/io.ts';
import { runShell } from '../../src/cli/shell.ts';
import type { RunningService } from '../../src/service/daemon.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { MemoryBackend } from '../service/support/memory-backend.ts';
import { removeHome, startTestService, tempHome } from '../service/support/service.ts';

// What a user types at the netsh-style prompt, against a service whose runtime keeps maps in memory and
// never runs programs: loading, listing, pinning and deleting print exactly what netsh prints.
describe('a netsh session against the service', () => {
  const home = tempHome();
  let service: RunningService;
  let object: string;
  const backend = new MemoryBackend();
  const ebpf = async (line: string, json = false) => {
    const io = bufferedIo({ env: { EBPF_HOME: home }, cwd: join(object, '..'), json });
    const code = await runCli(line.split(' ').filter(Boolean), io);
    return { code, out: io.stdout, err: io.stderr };
  };
  before(async () => {
    object = await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'));
    service = await startTestService(home, backend);
  });
  after(async () => {
    await service?.stop();
    removeHome(home);
  });

  test('a command that needs the service says how to start one when none runs', async () => {
    const io = bufferedIo({ env: { EBPF_HOME: join(home, 'elsewhere') } });
    assert.equal(await runCli(['show', 'programs'], io), 1);
    assert.match(io.stderr, /no eBPF service is running.*start one with: ebpf service start/);
  });

  test('every command that needs the service says how to start one when none runs, and changes nothing', async () => {
    const lines = [
      'add program TraceConnections.o', 'delete program 2', 'set program 2 attached=bind', 'show programs', 'show maps', 'show links', 'show pins', 'show processes',
      'pin map 1', 'pin program 2 x', 'unpin map 1', 'unpin program 2 x', 'prog show', 'prog run id 2', 'prog pin id 2 x', 'map show', 'map dump id 1',
      'map lookup id 1 key 0 0 0 0', 'map update id 1 key 0 0 0 0 value 0 0 0 0', 'map delete id 1 key 0 0 0 0', 'map create x type array key 4 value 4 entries 1 name x',
      'map pin id 1 x', 'link show', 'link detach id 3', 'trace --once',
    ];
    for (const line of lines) {
      const io = bufferedIo({ env: { EBPF_HOME: join(home, 'elsewhere') }, cwd: join(object, '..') });
      assert.equal(await runCli(line.split(' '), io), 1, line);
      assert.equal(io.stdout, '', line);
      assert.match(io.stderr, /^error: no eBPF service is running \(no answer on .*elsewhere\/service\.sock\); start one with: ebpf service start\n$/, line);
    }
  });

  test('service status says the service is not running and how to start it', async () => {
    const io = bufferedIo({ env: { EBPF_HOME: join(home, 'elsewhere') } });
    assert.equal(await runCli(['service', 'status'], io), 3);
    assert.equal(io.stdout, 'eBPF service is not running (start it with: ebpf service start)\n');
  });

  test('service status describes the running service', async () => {
    const r = await ebpf('service status');
    assert.match(r.out, new RegExp(`^eBPF service running \\(pid ${process.pid}, since .*\\)\\n  home      ${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
  });

  test('add program prints Loaded with ID N, and show programs lists it pinned and attached', async () => {
    const added = await ebpf('add program TraceConnections.o');
    assert.equal(added.out, 'Loaded with ID 2\n');
    const shown = await ebpf('show programs');
    assert.equal(shown.out, '\n    ID  Pins  Links  Mode       Type           Name\n======  ====  =====  =========  =============  ====================\n     2     1      1  JIT        bind           TraceConnections\n');
  });

  test('show programs type= takes section-like names as netsh does', async () => {
    assert.match((await ebpf('show programs type=bind')).out, /TraceConnections\n$/);
    assert.doesNotMatch((await ebpf('show programs type=cgroup/connect4')).out, /TraceConnections/);
  });

  test('show maps prints the proc_map row: hash, key 4, value 40, 1024 entries', async () => {
    const shown = await ebpf('show maps');
    assert.ok(shown.out.endsWith('\n      1                hash     4     40     1024      0     0  proc_map\n'), shown.out);
  });

  test('show programs id=N prints the verbose block', async () => {
    const shown = await ebpf('sh prog id=2');
    assert.equal(shown.out, '\nID             : 2\nFile name      : TraceConnections.o\nSection        : bind\nName           : TraceConnections\nProgram type   : bind\nMode           : JIT\n# map IDs      : 1\nmap IDs        : 1\n# pinned paths : 1\n# links        : 1\n');
  });

  test('show links and show pins list the attachment and the pin', async () => {
    assert.equal((await ebpf('show links')).out, '\n   Link  Program  Attach\n     ID       ID  Type\n=======  =======  =============\n      3        2  bind\n');
    assert.equal((await ebpf('show pins')).out, '\n     ID     Type  Path\n=======  =======  ==============\n      2  Program  BPF:\\TraceConnections\n');
  });

  test('pin map and unpin map change show pins and the map row', async () => {
    assert.equal((await ebpf('pin map 1 /my/maps/proc')).code, 0);
    assert.ok((await ebpf('show maps')).out.endsWith('      1                hash     4     40     1024      0     1  proc_map\n'));
    assert.match((await ebpf('show pins')).out, /      1      Map  BPF:\\my\\maps\\proc\n/);
    assert.equal((await ebpf('unpin map 1 BPF:\\my\\maps\\proc')).code, 0);
    assert.doesNotMatch((await ebpf('show pins')).out, /proc/);
  });

  test('pin of an unknown id prints the parameter is incorrect', async () => {
    const r = await ebpf('pin program 99');
    assert.equal(r.err, 'The parameter is incorrect.\n');
  });

  test('map update, lookup and dump through the service', async () => {
    assert.equal((await ebpf('map update id 1 key hex 92 10 00 00 value hex ' + '00 '.repeat(40))).code, 0);
    const dump = await ebpf('map dump name proc_map');
    assert.equal(dump.out, `key: 92 10 00 00  value: ${'00 '.repeat(39)}00\nFound 1 element\n`);
    const json = await ebpf('map show id 1', true);
    assert.deepEqual(JSON.parse(json.out), { id: 1, type: 'hash', name: 'proc_map', flags: 0, bytes_key: 4, bytes_value: 40, max_entries: 1024, pinned: [] });
  });

  test('set program detaches, and detaching again prints error 1168', async () => {
    assert.equal((await ebpf('set program 2 attached=""')).code, 0);
    assert.equal((await ebpf('show links')).out.split('\n').length, 5);
    assert.equal((await ebpf('set program 2 attached=""')).err, 'error 1168: could not detach program\n');
    assert.equal((await ebpf('set program 2 attached=bind')).code, 0);
  });

  test('add program of a missing file prints could not open file', async () => {
    assert.equal((await ebpf('add program Missing.o')).err, 'error 2: could not open file\n');
  });

  test('add program with an interface for a bind program is refused as netsh refuses it', async () => {
    assert.equal((await ebpf('add program TraceConnections.o pinned=none interface=1')).err, "Interface parameter is not allowed for program types that don't support interfaces.\n");
  });

  test('delete program unpins, detaches and unloads; deleting again prints Program not found', async () => {
    assert.equal((await ebpf('delete prog 2')).out, 'Unpinned 2 from BPF:\\TraceConnections\n');
    assert.equal((await ebpf('show programs')).out.split('\n').length, 4);
    assert.equal((await ebpf('show maps')).out.split('\n').length, 5);
    assert.equal((await ebpf('delete program 2')).err, 'Program not found\n');
  });

  test('add program pinned=all pins each program under the directory by section', async () => {
    assert.equal((await ebpf('add program TraceConnections.o pinpath=mypinpath pinned=all')).code, 0);
    assert.match((await ebpf('show pins')).out, / Program {2}BPF:\\mypinpath\\bind\n/);
  });

  test('bpftool prog show and link show print the program and its link', async () => {
    const prog = await ebpf('prog show name TraceConnections');
    assert.match(prog.out, /^\d+: bind  name TraceConnections  \n  map_ids \d+\n  pinned BPF:\\mypinpath\\bind\n$/);
    const links = JSON.parse((await ebpf('link show', true)).out) as { id: number; prog_id: number; attach_type: string }[];
    assert.deepEqual(links.map((l) => l.attach_type), ['bind']);
    assert.equal((await ebpf(`link detach id ${links[0]!.id}`)).code, 0);
    assert.equal((await ebpf('link show')).out, '');
    assert.equal((await ebpf('link show id 999')).err, 'Error: get by id (999): No such file or directory\n');
  });

  test('map create pins a new map and map lookup finds what map update stored', async () => {
    assert.equal((await ebpf('map create FileName type array key 4 value 4 entries 2 name Name')).code, 0);
    assert.match((await ebpf('map show pinned BPF:\\FileName')).out, /^\d+: array  name Name  flags 0x0\n\tkey 4B  value 4B  max_entries 2\n\tpinned BPF:\\FileName\n$/);
    assert.equal((await ebpf('map update pinned FileName key 1 0 0 0 value 0x2a 0 0 0')).code, 0);
    assert.equal((await ebpf('map lookup pinned FileName key 1 0 0 0')).out, 'key: 01 00 00 00  value: 2a 00 00 00\n');
  });

  test('--json on every show prints JSON', async () => {
    for (const line of ['show programs', 'show programs id=5', 'show maps', 'show links', 'show pins', 'show processes', 'prog show', 'map show', 'link show', 'service status']) {
      const r = await ebpf(line, true);
      assert.equal(r.code, 0, `${line}: ${r.err}`);
      assert.doesNotThrow(() => JSON.parse(r.out), `${line} --json: ${r.out}`);
    }
    const programs = JSON.parse((await ebpf('show programs', true)).out) as { name: string; pinnedPaths: string[] }[];
    assert.deepEqual(programs.map((p) => [p.name, p.pinnedPaths]), [['TraceConnections', ['BPF:\\mypinpath\\bind']]]);
  });

  test('show processes lists the processes connected to the service', async () => {
    assert.match((await ebpf('show processes')).out, new RegExp(`^\\n  PID  Name\\n=====  ==============\\n(.*\\n)*${String(process.pid).padStart(5)}  ebpf\\n`));
  });

  test('trace --once prints the bpf_printk lines so far', async () => {
    backend.trace(2, 'bind by 4242');
    backend.trace(2, 'bind by 4243\n');
    assert.equal((await ebpf('trace --once')).out, 'bind by 4242\nbind by 4243\n');
  });

  test('the shell takes the same commands at an ebpf> prompt', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (c: Buffer) => (printed += c.toString()));
    const io = bufferedIo({ env: { EBPF_HOME: home }, cwd: join(object, '..') });
    const done = runShell({ input, output, terminal: false }, io, runCli, { netsh: [], tools: [] });
    input.end('show maps\nshow pins\nexit\n');
    assert.equal(await done, 0);
    assert.match(printed, /^ebpf> /);
    assert.match(io.stdout, /hash {5}4 {5}40 {5}1024/);
    assert.match(io.stdout, /BPF:\\mypinpath\\bind/);
  });
});
