// The native commands as users type them: `build --native`, `native`, `show hash`, `show sections` and
// `show disassembly` on modules, and `trust add|remove|list`, each in a fresh $EBPF_HOME.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { bufferedIo } from '../../src/cli/io.ts';
import { readNativeModule, SIGNING_KEY_FILE } from '../../src/native/index.ts';
import { repoRoot } from '../support/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'ebpf-native-cli-'));
const home = join(work, 'home');

async function cli(...argv: string[]) {
  const io = bufferedIo({ cwd: work, json: argv.includes('--json'), env: { ...process.env, EBPF_HOME: home } });
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

const built = (async () => {
  const result = await cli('build', join(repoRoot, 'examples', 'TraceConnections.c'), '-o', 'TraceConnections.o', '--native');
  return result;
})();

test('build --native compiles, verifies and signs in one step, making the signing key (owner-only) on first use', async () => {
  const result = await built;
  assert.equal(result.code, 0, result.stderr);
  const keyPath = join(home, SIGNING_KEY_FILE);
  const lines = result.stdout.split('\n');
  assert.equal(lines[0], `Built ${join(work, 'TraceConnections.o')}: TraceConnections (bind)`);
  assert.match(lines[1]!, new RegExp(`^Created signing key ${keyPath} \\(fingerprint [0-9a-f]{64}\\)$`));
  assert.match(lines[2]!, new RegExp(`^Built ${join(work, 'TraceConnections.wasm')}: native module, TraceConnections \\(bind\\), signed by key [0-9a-f]{16}$`));
  assert.equal(statSync(keyPath).mode & 0o777, 0o600);
  // The second build reuses the key.
  const again = await cli('native', 'TraceConnections.o', '-o', 'again.wasm');
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /Created signing key/);
  assert.equal(readNativeModule(new Uint8Array(readFileSync(join(work, 'again.wasm')))).signature!.fingerprint.slice(0, 16), lines[2]!.slice(-16));
});

test('show hash prints the SHA-256 of the source object as netsh does, and hashonly as Get-FileHash does', async () => {
  await built;
  const expected = createHash('sha256').update(readFileSync(join(work, 'TraceConnections.o'))).digest();
  const bytes = [...expected].map((b) => b.toString(16).padStart(2, '0'));
  const result = await cli('show', 'hash', 'TraceConnections.wasm');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `Hash for TraceConnections.wasm:\nSize: 32 bytes\nData: ${bytes.slice(0, 16).join(' ')} \n      ${bytes.slice(16).join(' ')}\n`);
  const only = await cli('sh', 'hash', 'TraceConnections.wasm', 'hashonly');
  assert.equal(only.stdout, expected.toString('hex').toUpperCase() + '\n');
  const tagged = await cli('show', 'hash', 'filename=TraceConnections.wasm', 'hashonly=yes');
  assert.equal(tagged.stdout, only.stdout);
});

test('show hash on an object, a missing file or a damaged module says what is wrong', async () => {
  await built;
  assert.deepEqual(await cli('show', 'hash', 'TraceConnections.o'), { code: 1, stdout: '', stderr: 'No hash section found in TraceConnections.o\n' });
  assert.deepEqual(await cli('show', 'hash', 'nothing.wasm'), { code: 1, stdout: '', stderr: 'error: No such file or directory opening nothing.wasm\n' });
  const module = readFileSync(join(work, 'TraceConnections.wasm'));
  writeFileSync(join(work, 'cut.wasm'), module.subarray(0, module.length - 400));
  const cut = await cli('show', 'hash', 'cut.wasm');
  assert.equal(cut.code, 1);
  assert.match(cut.stderr, /^error: cut\.wasm: .*truncated/);
});

test('show sections and show disassembly read a native module as they read its object', async () => {
  await built;
  for (const args of [['show', 'sections'], ['show', 'sections', 'section=bind'], ['show', 'disassembly'], ['show', 'sections', '--json']]) {
    const fromObject = await cli(...args.slice(0, 2), 'TraceConnections.o', ...args.slice(2));
    const fromModule = await cli(...args.slice(0, 2), 'TraceConnections.wasm', ...args.slice(2));
    assert.equal(fromObject.code, 0, fromObject.stderr);
    assert.equal(fromModule.stdout, fromObject.stdout, args.join(' '));
  }
  assert.match((await cli('show', 'disassembly', 'TraceConnections.wasm')).stdout, /bpf_memcpy:22\(out r1\[r2\?\]/);
});

test('native --type and --key: the type is applied, the module is signed by the given key', async () => {
  await built;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(work, 'release.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const result = await cli('native', 'TraceConnections.o', '-o', 'release.wasm', '--type', 'bind', '--key', 'release.pem', '--json');
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout) as { key: string; programs: { name: string; type: string }[] };
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  assert.equal(json.key, createHash('sha256').update(raw).digest('hex'));
  assert.deepEqual(json.programs, [{ name: 'TraceConnections', section: 'bind', type: 'bind' }]);
});

test('native refuses what it cannot build, writing nothing: a refused program, a missing file, a bad key, a bad type', async () => {
  await built;
  const build = await cli('build', join(import.meta.dirname, 'programs', 'MissingNullCheck.c'), '-o', 'unsafe.o');
  assert.equal(build.code, 0, build.stderr);
  const refused = await cli('native', 'unsafe.o');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: Verification failed for MissingNullCheck \(section bind, type bind\)\nVerification report:\n\n; .*MissingNullCheck\.c:16\n; \t\*count \+= 1;.*\n\n\d+: .*\n\n1 errors\n$/);
  assert.equal(existsSync(join(work, 'unsafe.wasm')), false);
  assert.deepEqual(await cli('native', 'missing.o'), { code: 1, stdout: '', stderr: 'error: No such file or directory opening missing.o\n' });
  writeFileSync(join(work, 'not-a-key.pem'), 'hello');
  const badKey = await cli('native', 'TraceConnections.o', '-o', 'x.wasm', '--key', 'not-a-key.pem');
  assert.match(badKey.stderr, /^error: .*not-a-key\.pem is not a private key in PEM form/);
  const badType = await cli('native', 'TraceConnections.o', '-o', 'x.wasm', '--type', 'nonsense');
  assert.match(badType.stderr, /^error: unknown program type 'nonsense'/);
  assert.equal(existsSync(join(work, 'x.wasm')), false);
  assert.equal((await cli('native')).code, 2);
});

test('trust add, list and remove manage the trusted keys of $EBPF_HOME', async () => {
  await built;
  assert.equal((await cli('trust', 'list')).stdout, 'No trusted keys (native modules load only in test-signing mode)\n');
  const own = await cli('trust', 'add');
  assert.match(own.stdout, /^Trusted key ([0-9a-f]{64}) \(this machine\)\n$/);
  const fingerprint = own.stdout.slice(12, 76);
  assert.match((await cli('trust', 'add')).stdout, /is already trusted/);
  const { publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(work, 'partner.pub'), publicKey.export({ format: 'pem', type: 'spki' }));
  assert.equal((await cli('trust', 'add', 'partner.pub', '--name', 'partner')).code, 0);
  const list = await cli('trust', 'list', '--json');
  assert.deepEqual((JSON.parse(list.stdout) as { name: string }[]).map((k) => k.name), ['this machine', 'partner']);
  const table = (await cli('trust', 'list')).stdout;
  assert.ok(table.includes(`${fingerprint}  `), table);
  assert.match((await cli('trust', 'remove', fingerprint.slice(0, 12))).stdout, /^Removed trusted key [0-9a-f]{64} \(this machine\)\n$/);
  assert.match((await cli('trust', 'remove', fingerprint.slice(0, 12))).stderr, /no trusted key has a fingerprint starting with/);
  assert.match((await cli('trust', 'remove', 'xyz')).stderr, /'xyz' is not a key fingerprint/);
  assert.match((await cli('trust', 'add', 'TraceConnections.o')).stderr, /is not a public or private key in PEM form/);
  assert.equal((await cli('trust', 'frobnicate')).code, 2);
});
