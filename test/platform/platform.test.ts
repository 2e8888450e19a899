// The platform description (src/platform) states spec/windows-abi.md's facts: helper ids and kinds,
// context layouts, map, program and attach types, and the section-name lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowsPlatform as platform } from '../../src/platform/index.ts';
import type { ArgKind } from '../../src/platform/index.ts';

const type = (name: string) => {
  const found = platform.programTypeByName(name);
  assert.ok(found, `program type ${name}`);
  return found;
};

test('the general helpers are ids 1 to 35, each with its verifier name', () => {
  assert.deepEqual([...platform.helpers.keys()], Array.from({ length: 35 }, (_, i) => i + 1));
  const names = new Map([...platform.helpers.values()].map((h) => [h.id, h.name]));
  assert.equal(names.get(1), 'bpf_map_lookup_elem');
  assert.equal(names.get(5), 'bpf_tail_call');
  assert.equal(names.get(12), 'bpf_trace_printk2');
  assert.equal(names.get(19), 'bpf_get_current_pid_tgid');
  assert.equal(names.get(35), 'bpf_redirect_map');
});

test('helpers 22, 23 and 25 keep their old verifier names and carry the C names with _s', () => {
  const memory = [22, 23, 24, 25].map((id) => platform.helpers.get(id)!);
  assert.deepEqual(memory.map((h) => h.name), ['bpf_memcpy', 'bpf_memcmp', 'bpf_memset', 'bpf_memmove']);
  assert.deepEqual(memory.map((h) => h.cName ?? h.name), ['bpf_memcpy_s', 'bpf_memcmp_s', 'bpf_memset', 'bpf_memmove_s']);
  assert.deepEqual(memory[0]!.args, ['writable_mem', 'const_size_or_zero', 'readable_mem', 'const_size_or_zero']);
  assert.deepEqual(memory[2]!.args, ['writable_mem', 'const_size_or_zero', 'anything']);
});

test('helper prototypes follow the spec: kinds per id', () => {
  const cases: [number, string, ArgKind[]][] = [
    [1, 'map_value_or_null', ['map', 'map_key']],
    [2, 'integer', ['map', 'map_key', 'map_value', 'anything']],
    [5, 'integer_or_no_return_if_succeed', ['ctx', 'map_of_programs', 'anything']],
    [10, 'integer', ['readable_mem_or_null', 'const_size_or_zero', 'readable_mem_or_null', 'const_size_or_zero', 'anything']],
    [11, 'integer', ['map', 'readable_mem', 'const_size', 'anything']],
    [17, 'integer', ['map', 'map_value']],
    [29, 'integer', ['readable_mem', 'const_size_or_zero']],
    [32, 'integer', ['ctx', 'map', 'anything', 'readable_mem', 'const_size']],
    [6, 'integer', []],
  ];
  for (const [id, returns, args] of cases) {
    const helper = platform.helpers.get(id)!;
    assert.deepEqual([helper.returns, helper.args], [returns, args], helper.name);
  }
});

test('every helper takes at most five arguments, and every size follows the memory it measures', () => {
  const all = [...platform.helpers.values(), ...platform.programTypes.flatMap((t) => t.helpers)];
  for (const helper of all) {
    assert.ok(helper.args.length <= 5, helper.name);
    helper.args.forEach((kind, i) => {
      if (kind === 'const_size' || kind === 'const_size_or_zero') {
        assert.match(helper.args[i - 1] ?? '', /_mem/, `${helper.name} argument ${i + 1}`);
      }
    });
  }
});

test('program-type helpers start at 65536; general ones stay below it', () => {
  for (const t of platform.programTypes) for (const h of t.helpers) assert.ok(h.id >= 65536, `${t.name} ${h.name}`);
  for (const h of platform.helpers.values()) assert.ok(h.id < 65536);
});

test('a program type finds its own helpers, not another type\'s', () => {
  assert.equal(platform.helper(type('xdp'), 65536)!.name, 'bpf_xdp_adjust_head');
  assert.equal(platform.helper(type('xdp'), 65536)!.reallocatesPacket, true);
  assert.equal(platform.helper(type('sockops'), 65536)!.name, 'bpf_sock_ops_get_flow_id');
  assert.equal(platform.helper(type('process'), 65536)!.name, 'bpf_process_get_image_path');
  assert.equal(platform.helper(type('bind'), 65536), undefined);
  assert.equal(platform.helper(type('sock_addr'), 65536), undefined, '65536 is an enum value only for sock_addr');
  assert.equal(platform.helper(type('sock_addr'), 65538)!.name, 'bpf_sock_addr_get_network_context');
  assert.equal(platform.helper(type('bind'), 2)!.name, 'bpf_map_update_elem');
  assert.equal(platform.helper(undefined, 65536), undefined);
  assert.equal(platform.helper(type('bind'), 36), undefined);
});

test('sock_addr and sockops get bpf_get_current_pid_tgid with an implicit context', () => {
  assert.equal(platform.helper(type('sock_addr'), 19)!.implicitContext, true);
  assert.equal(platform.helper(type('sockops'), 19)!.implicitContext, true);
  assert.equal(platform.helper(type('bind'), 19)!.implicitContext, undefined);
  assert.deepEqual(platform.helper(type('sock_addr'), 20)!.args, ['ctx']);
});

test('bind_md_t is 56 bytes: app id pointers at 0 and 8, socket_address writable', () => {
  const bind = type('bind');
  assert.deepEqual([bind.id, bind.contextSize, bind.dataOffset, bind.dataEndOffset, bind.metaOffset], [2, 56, 0, 8, -1]);
  assert.deepEqual(
    bind.fields.map((f) => [f.name, f.offset, f.size, f.writable]),
    [['app_id_start', 0, 8, false], ['app_id_end', 8, 8, false], ['process_id', 16, 8, false], ['socket_address', 24, 16, true],
      ['socket_address_length', 40, 1, false], ['operation', 44, 4, false], ['protocol', 48, 1, false]],
  );
  assert.deepEqual(bind.returnRange, [0, 3]);
});

test('each program type has the spec\'s id, context size and data pointers', () => {
  const rows: [string, number, number, number, number, number, number][] = [
    // name, id, size, data, data_end, meta, default attach type
    ['xdp', 1, 32, 0, 8, 16, 1],
    ['bind', 2, 56, 0, 8, -1, 2],
    ['sock_addr', 3, 64, -1, -1, -1, 3],
    ['sockops', 4, 64, -1, -1, -1, 7],
    ['netevent_monitor', 5, 24, 8, 16, 0, 10],
    ['process', 6, 56, 0, 8, -1, 11],
    ['sample', 999, 32, 0, 8, -1, 8],
  ];
  assert.deepEqual(platform.programTypes.map((t) => t.name), rows.map((r) => r[0]));
  for (const [name, ...numbers] of rows) {
    const t = type(name);
    assert.deepEqual([t.id, t.contextSize, t.dataOffset, t.dataEndOffset, t.metaOffset, t.defaultAttachType], numbers, name);
    assert.equal(platform.programTypeById(t.id), t);
  }
});

test('context fields lie inside the context, pointers are 8 bytes at the declared offsets', () => {
  for (const t of platform.programTypes) {
    for (const f of t.fields) assert.ok(f.offset >= 0 && f.offset + f.size <= t.contextSize, `${t.name}.${f.name}`);
    for (const [kind, offset] of [['data', t.dataOffset], ['data_end', t.dataEndOffset], ['meta', t.metaOffset]] as const) {
      const pointers = t.fields.filter((f) => f.pointer === kind);
      assert.deepEqual(pointers.map((f) => [f.offset, f.size]), offset < 0 ? [] : [[offset, 8]], `${t.name} ${kind}`);
    }
  }
});

test('only redirect targets are writable: bind socket_address, sock_addr user_ip and user_port', () => {
  const writable = platform.programTypes.flatMap((t) => t.fields.filter((f) => f.writable).map((f) => `${t.name}.${f.name}`));
  assert.deepEqual(writable, ['bind.socket_address', 'sock_addr.user_ip4', 'sock_addr.user_ip6', 'sock_addr.user_port']);
});

test('return ranges are the verdict enums: XDP 1-4, bind 0-3, sock_addr 0-2', () => {
  assert.deepEqual(type('xdp').returnRange, [1, 4]);
  assert.deepEqual(type('sock_addr').returnRange, [0, 2]);
  assert.equal(type('sockops').returnRange, undefined);
});

test('the longest matching section prefix wins', () => {
  const cases: [string, number, number][] = [
    ['xdp', 1, 1], ['xdp/0', 1, 1], ['bind', 2, 2], ['bind/0', 2, 2],
    ['cgroup/connect4', 3, 3], ['cgroup/connect6', 3, 4], ['cgroup/recv_accept4', 3, 5], ['cgroup/recv_accept6', 3, 6],
    ['cgroup/connect_authorization4', 3, 12], ['cgroup/connect_authorization6', 3, 13],
    ['cgroup/bind4', 3, 14], ['cgroup/bind6', 3, 15], ['cgroup/listen4', 3, 16], ['cgroup/listen6', 3, 17],
    ['sockops', 4, 7], ['netevent_monitor', 5, 10], ['process', 6, 11], ['sample_ext', 999, 8], ['sample_ext/1', 999, 8],
    // No "xdp_test" prefix is registered any more: it resolves as xdp.
    ['xdp_test', 1, 1],
  ];
  for (const [section, programType, attachType] of cases) {
    const info = platform.sectionInfo(section);
    assert.deepEqual([info?.programType, info?.attachType], [programType, attachType], section);
  }
});

test('sections that match no prefix have no type', () => {
  for (const section of ['kprobe/sys_open', '.text', 'cgroup/', 'cgroup/sock', 'Bind', '', 'socket']) {
    assert.equal(platform.sectionInfo(section), undefined, section);
  }
});

test('map types have the Windows numbers and netsh display names', () => {
  assert.deepEqual(platform.mapTypes.map((m) => [m.id, m.displayName]), [
    [0, 'unspec'], [1, 'hash'], [2, 'array'], [3, 'prog_array'], [4, 'percpu_hash'], [5, 'percpu_array'],
    [6, 'hash_of_maps'], [7, 'array_of_maps'], [8, 'lru_hash'], [9, 'lpm_trie'], [10, 'queue'], [11, 'lru_percpu_hash'],
    [12, 'stack'], [13, 'ringbuf'], [14, 'perf_event_array'], [15, 'sample_hash_map'], [16, 'xskmap'],
  ]);
  assert.equal(platform.mapTypeById(13)!.name, 'BPF_MAP_TYPE_RINGBUF');
  assert.equal(platform.mapTypeById(17), undefined);
});

test('per-CPU, map-of-maps, program-array and keyless map types are the spec\'s', () => {
  const ids = (pick: (m: (typeof platform.mapTypes)[number]) => boolean) => platform.mapTypes.filter(pick).map((m) => m.id);
  assert.deepEqual(ids((m) => m.perCpu), [4, 5, 11, 14]);
  assert.deepEqual(ids((m) => m.isMapOfMaps), [6, 7]);
  assert.deepEqual(ids((m) => m.isProgArray), [3]);
  assert.deepEqual(ids((m) => m.keyless), [10, 12, 13, 14]);
});

test('attach types: the Windows numbers, 9 left unused, each naming an existing program type', () => {
  assert.deepEqual(platform.attachTypes.map((a) => a.id), [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17]);
  for (const a of platform.attachTypes) {
    assert.ok(platform.programTypeById(a.programType), a.name);
    assert.equal(platform.attachTypeById(a.id), a);
  }
  for (const t of platform.programTypes) assert.equal(platform.attachTypeById(t.defaultAttachType)!.programType, t.id, t.name);
  assert.equal(platform.attachTypeById(3)!.name, 'cgroup/connect4');
  assert.equal(platform.attachTypeById(3)!.guid, 'a82e37b1-aee7-11ec-9a30-18602489beee');
});
