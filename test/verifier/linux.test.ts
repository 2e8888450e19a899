// The Linux platform as the verifier uses it: 32-bit packet pointers in __sk_buff and xdp_md, helpers bound
// to their context, map-type restrictions, ring buffer records, helpers without a model refused by name,
// memset/memcpy builtins, LD_ABS, and the helper numbering checked against the UAPI header when installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { assembleVerifierSyntax } from '../../src/asm/index.ts';
import { linuxPlatform } from '../../src/platform/index.ts';
import { LINUX_HELPERS, linuxSectionInfo } from '../../src/platform/linux/index.ts';
import { analyse, type MapDescriptor } from '../../src/verifier/analysis.ts';

const type = (name: string) => linuxPlatform.programTypeByName(name)!;
const xdp = type('xdp');
const tc = type('sched_cls');
const kprobe = type('kprobe');
const hash: MapDescriptor = { type: 1, keySize: 4, valueSize: 8 };
const ringbuf: MapDescriptor = { type: 27, keySize: 0, valueSize: 0 };
const devmap: MapDescriptor = { type: 14, keySize: 4, valueSize: 4 };

const verify = (source: string, t = xdp, maps: MapDescriptor[] = [hash], externCalls?: ReadonlyMap<number, string>) =>
  analyse(assembleVerifierSyntax(source), t, linuxPlatform, maps, externCalls ? { externCalls } : {});
const accepted = (source: string, t = xdp, maps: MapDescriptor[] = [hash], externCalls?: ReadonlyMap<number, string>) => {
  const r = verify(source, t, maps, externCalls);
  assert.deepEqual(r.errors, [], source);
};
const rejectedAt = (source: string, pc: number, pattern: RegExp, t = xdp, maps: MapDescriptor[] = [hash], externCalls?: ReadonlyMap<number, string>) => {
  const r = verify(source, t, maps, externCalls);
  assert.equal(r.ok, false, `accepted:\n${source}`);
  assert.equal(r.errors[0]!.pc, pc, r.errors[0]!.message);
  assert.match(r.errors[0]!.message, pattern);
};

test('xdp_md and __sk_buff hold 32-bit packet pointers: read whole, bounds-checked against data_end', () => {
  const packet = (data: number, end: number, load = 'r0 = *(u8 *)(r2 + 13)') =>
    [`r2 = *(u32 *)(r1 + ${data})`, `r3 = *(u32 *)(r1 + ${end})`, 'r4 = r2', 'r4 += 14', 'if r4 > r3 goto <out>', load, '<out>:', 'r0 = 0', 'exit'].join('\n');
  accepted(packet(0, 4));
  accepted(packet(76, 80), tc);
  rejectedAt(packet(0, 4, 'r0 = *(u8 *)(r2 + 14)'), 5, /not proven to be inside the data/);
  rejectedAt('r2 = *(u64 *)(r1 + 0)\nr0 = 0\nexit', 0, /data pointer field of the context can only be read whole \(4 bytes at offset 0\)/);
  rejectedAt('r2 = *(u32 *)(r1 + 24)\nr0 = 0\nexit', 0, /outside its 24 bytes/);
  // tc may write mark; the packet length is read-only.
  accepted('r2 = 1\n*(u32 *)(r1 + 8) = r2\nr0 = 0\nexit', tc);
  rejectedAt('r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit', 1, /read-only for sched_cls programs/, tc);
});

test('a helper bound to a context is refused to other program types; map-type restrictions hold', () => {
  rejectedAt('r2 = 0\ncall 9\nr0 = 0\nexit', 1, /bpf_skb_store_bytes \(helper 9\): xdp programs cannot call it: it takes the __sk_buff context, and theirs is xdp_md/);
  accepted('r2 = 0\ncall 44\nr0 = 2\nexit');
  rejectedAt('r1 = map_fd 1\nr2 = 0\nr3 = 0\ncall 51\nexit', 4, /map 0 is a hash map, but bpf_redirect_map takes one of devmap, devmap_hash, cpumap, xskmap/);
  accepted('r1 = map_fd 1\nr2 = 0\nr3 = 0\ncall 51\nexit', xdp, [devmap]);
});

test('helpers without a model are refused by name with the reason', () => {
  rejectedAt('r2 = 0\ncall 84\nr0 = 0\nexit', 1, /bpf_sk_lookup_tcp \(helper 84\): calls to it cannot be verified: it takes or returns a socket pointer/);
  rejectedAt('call 999\nr0 = 0\nexit', 0, /helper 999 does not exist for xdp programs on linux/);
});

test('ring buffer records: reserved with a constant size, checked for null, written inside, given back once', () => {
  const reserve = ['r1 = map_fd 1', 'r2 = 16', 'r3 = 0', 'call 131', 'if r0 == 0 goto <out>'];
  accepted([...reserve, 'r1 = 7', '*(u64 *)(r0 + 8) = r1', 'r1 = r0', 'r2 = 0', 'call 132', '<out>:', 'r0 = 0', 'exit'].join('\n'), kprobe, [ringbuf]);
  rejectedAt([...reserve, 'r1 = 7', '*(u64 *)(r0 + 16) = r1', '<out>:', 'r0 = 0', 'exit'].join('\n'), 7, /outside its 16 bytes/, kprobe, [ringbuf]);
  // Used after it was submitted: the pointer is gone.
  rejectedAt([...reserve, 'r6 = r0', 'r1 = r0', 'r2 = 0', 'call 132', 'r1 = 7', '*(u64 *)(r6 + 0) = r1', '<out>:', 'r0 = 0', 'exit'].join('\n'), 11, /r6 is read before it is written/, kprobe, [ringbuf]);
  // Only a reserved record may be submitted, and only at its start.
  rejectedAt([...reserve, 'r1 = r0', 'r1 += 8', 'r2 = 0', 'call 132', '<out>:', 'r0 = 0', 'exit'].join('\n'), 9, /must be memory bpf_ringbuf_reserve returned, at its start/, kprobe, [ringbuf]);
  rejectedAt('r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_fd 1\ncall 1\nif r0 == 0 goto <out>\nr1 = r0\nr2 = 0\ncall 132\n<out>:\nr0 = 0\nexit', 10, /must be memory bpf_ringbuf_reserve returned/, kprobe, [hash]);
  rejectedAt(['r1 = map_fd 1', 'r2 = *(u32 *)(r1 + 0)', 'r3 = 0', 'call 131', 'r0 = 0', 'exit'].join('\n').replace('r2 = *(u32 *)(r1 + 0)', 'r2 = r6'), 2, /r6 is read before it is written/, kprobe, [ringbuf]);
  rejectedAt(['r1 = map_fd 1', 'call 7', 'r2 = r0', 'r1 = map_fd 1', 'r3 = 0', 'call 131', 'r0 = 0', 'exit'].join('\n'), 7, /size to allocate must be a known constant/, kprobe, [ringbuf]);
});

test('memset and memcpy left as calls by clang are checked as memory accesses of r3 bytes', () => {
  accepted('r1 = r10\nr1 += -16\nr2 = 0\nr3 = 16\ncall_btf 0\nr0 = *(u64 *)(r10 - 8)\nexit', kprobe, [hash], new Map([[4, 'memset']]));
  rejectedAt('r1 = r10\nr1 += -16\nr2 = 0\nr3 = 24\ncall_btf 0\nr0 = 0\nexit', 4, /memset writes up to 24 bytes at r1: .*outside the 512-byte stack frame/, kprobe, [hash], new Map([[4, 'memset']]));
  rejectedAt('r1 = r10\nr1 += -16\nr2 = r10\nr2 += -32\nr3 = 16\ncall_btf 0\nr0 = 0\nexit', 5, /memcpy reads up to 16 bytes at r2: reads stack byte r10-32, which is not initialized/, kprobe, [hash], new Map([[5, 'memcpy']]));
  rejectedAt('r2 = 0\nr3 = 8\ncall_btf 0\nr0 = 0\nexit', 2, /call to strcpy, which this object does not define and linux does not provide/, kprobe, [hash], new Map([[2, 'strcpy']]));
});

test('LD_ABS reads the packet of a socket filter through r6; a kprobe has no packet', () => {
  accepted('r6 = r1\nr0 = *(u8 *)skb[12]\nexit', type('socket_filter'));
  rejectedAt('r6 = r1\nr0 = *(u8 *)skb[12]\nexit', 1, /kprobe programs have no packet data/, kprobe);
});

test('section names: libbpf prefixes, legacy names by prefix, untyped sections are tc classifiers, Cilium by path', () => {
  const name = (section: string, path?: string) => linuxPlatform.programTypeById(linuxSectionInfo(section, path).programType)!.name;
  assert.equal(name('kprobe/sys_write'), 'kprobe');
  assert.equal(name('xdp_prog'), 'xdp');
  assert.equal(name('socket1'), 'socket_filter');
  assert.equal(name('cgroup/connect4'), 'cgroup_sock_addr');
  assert.equal(name('cgroup/post_bind4'), 'cgroup_sock');
  assert.equal(name('raw_tracepoint/sys_enter'), 'raw_tracepoint');
  assert.equal(name('2/1'), 'sched_cls');
  assert.equal(name('from-netdev', '/x/cilium/bpf_xdp.o'), 'xdp');
  assert.equal(name('from-netdev', '/x/cilium/bpf_lxc.o'), 'sched_cls');
});

test('helper ids and names match the UAPI header\'s list (when linux-libc-dev is installed)', (t) => {
  const header = '/usr/include/linux/bpf.h';
  if (!existsSync(header)) return t.skip(`${header} is not installed`);
  const text = readFileSync(header, 'utf8');
  const start = text.indexOf('#define __BPF_FUNC_MAPPER');
  const list = text.slice(start, text.indexOf('\n\n', start));
  const names = [...list.matchAll(/FN\((\w+)/g)].map((m) => m[1]!);
  assert.equal(names[0], 'unspec');
  for (const h of LINUX_HELPERS) assert.equal(`bpf_${names[h.id]}`, h.name, `helper ${h.id}`);
  assert.ok(LINUX_HELPERS.length >= 165);
});

test('every section prefix names a program type the platform has, and every attach type a program type too', () => {
  for (const s of linuxPlatform.sections) assert.ok(linuxPlatform.programTypeById(s.programType), `section ${s.prefix}: type ${s.programType}`);
  for (const a of linuxPlatform.attachTypes) assert.ok(linuxPlatform.programTypeById(a.programType), `attach type ${a.name}: type ${a.programType}`);
  for (const s of linuxPlatform.sections) if (s.attachType >= 0) assert.ok(linuxPlatform.attachTypeById(s.attachType), `section ${s.prefix}: attach type ${s.attachType}`);
});
