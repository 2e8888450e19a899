// `show verification FILE platform=linux`: Linux objects of the corpus verified with Linux's helpers,
// program types and section names; the Windows default cannot type them; bad platform names are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { bufferedIo } from '../../src/cli/io.ts';
import { linuxPlatform } from '../../src/platform/index.ts';
import { openObjectFile } from '../../src/object/index.ts';
import { verifyObject } from '../../src/verifier/index.ts';
import { sharedData } from '../support/paths.ts';

const corpus = join(sharedData, 'ebpf-samples');

async function cli(...argv: string[]) {
  const io = bufferedIo({ cwd: corpus, json: argv.includes('--json') });
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

test('a Linux socket filter verifies under platform=linux, and its section gives no Windows type', async () => {
  assert.deepEqual(await cli('show', 'verification', 'linux/sockex1_kern.o', 'platform=linux'), {
    code: 0, stdout: 'Verification succeeded\nProgram terminates within 0 loop iterations\n', stderr: '',
  });
  const windows = await cli('show', 'verification', 'linux/sockex1_kern.o');
  assert.equal(windows.code, 1);
  assert.match(windows.stderr, /Program type for section socket1 not found/);
});

test('platform=linux --json names the Linux program type; an XDP program calling a sock_ops helper is refused with the reason', async () => {
  const ok = await cli('show', 'verification', 'linux/sockex1_kern.o', 'platform=linux', '--json');
  assert.equal(ok.code, 0);
  const [summary] = JSON.parse(ok.stdout) as { verdict: string; type: string }[];
  assert.deepEqual([summary!.type, summary!.verdict], ['socket_filter', 'accepted']);
  const bad = await cli('show', 'verification', 'build/wronghelper.o', 'platform=linux');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /7: bpf_sock_map_update \(helper 53\): xdp programs cannot call it: it takes the bpf_sock_ops context, and theirs is xdp_md/);
});

test('type= is read through the chosen platform, and an unknown platform is a usage error', async () => {
  const asKprobe = await cli('show', 'verification', 'linux/sockex1_kern.o', 'platform=linux', 'type=kprobe');
  assert.equal(asKprobe.code, 1, 'a socket filter verified as a kprobe reads __sk_buff fields past pt_regs or calls skb helpers');
  const windowsType = await cli('show', 'verification', 'linux/sockex1_kern.o', 'platform=linux', 'type=bind');
  assert.equal(windowsType.code, 2);
  assert.match(windowsType.stderr, /unknown program type 'bind'/);
  const unknown = await cli('show', 'verification', 'linux/sockex1_kern.o', 'platform=bsd');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /parameter 'platform' of 'show verification' must be one of windows\|linux, not 'bsd'/);
});

test('verifyObject takes the platform as an option: Cilium\'s XDP object is typed by its path', async () => {
  const path = join(corpus, 'cilium', 'bpf_xdp.o');
  const object = await openObjectFile(path);
  const results = verifyObject(object, { platform: linuxPlatform, objectPath: path });
  assert.ok(results.length > 0);
  for (const r of results) assert.equal(r.programType.name, 'xdp', `${r.section}`);
});
