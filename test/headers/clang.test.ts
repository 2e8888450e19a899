// compileC and findClang (src/build/clang.ts): how every layer's tests and `ebpf build` compile C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildError, compileC, findClang } from '../../src/build/clang.ts';

const dir = mkdtempSync(join(tmpdir(), 'clang-'));

test('findClang prefers clang-19 when $CLANG is not set', async () => {
  assert.equal(await findClang({}), 'clang-19');
});

test('findClang honours $CLANG and does not fall back when it is wrong', async () => {
  assert.equal(await findClang({ CLANG: 'clang-19' }), 'clang-19');
  await assert.rejects(findClang({ CLANG: join(dir, 'no-such-clang') }), (e: unknown) => e instanceof BuildError && e.code === 'CLANG_NOT_FOUND' && /no-such-clang/.test(e.message));
});

test('compileC writes the object where asked, with our headers on the include path', async () => {
  const source = join(dir, 'ok.c');
  writeFileSync(source, '#include <bpf_helpers.h>\nSEC("bind") int ok(void* ctx) { return BPF_ANY; }\n');
  const { objectPath } = await compileC(source, { outPath: join(dir, 'elsewhere.o') });
  assert.equal(objectPath, join(dir, 'elsewhere.o'));
  assert.ok(existsSync(objectPath));
});

test('compileC passes extra include directories and flags', async () => {
  const extra = mkdtempSync(join(dir, 'inc-'));
  writeFileSync(join(extra, 'answer.h'), '#define ANSWER VALUE\n');
  const source = join(dir, 'flags.c');
  writeFileSync(source, '#include <bpf_helpers.h>\n#include <answer.h>\nSEC("bind") int f(void* ctx) { return ANSWER; }\n');
  await compileC(source, { outPath: join(dir, 'flags.o'), includeDirs: [extra], extraFlags: ['-DVALUE=42'] });
});

test('a compile error is a BuildError carrying clang\'s diagnostics with file and line', async () => {
  const source = join(dir, 'broken.c');
  writeFileSync(source, '#include <bpf_helpers.h>\nint f(void) { return undeclared_name; }\n');
  await assert.rejects(compileC(source, { outPath: join(dir, 'broken.o') }), (e: unknown) => {
    assert.ok(e instanceof BuildError);
    assert.equal(e.code, 'COMPILE_FAILED');
    assert.match(e.message, /broken\.c:2:\d+: error: use of undeclared identifier 'undeclared_name'/);
    return true;
  });
});

test('warnings are errors (-Werror)', async () => {
  const source = join(dir, 'warning.c');
  writeFileSync(source, '#include <bpf_helpers.h>\nint g(int x) { if (x = 2) return 1; return 0; }\n');
  await assert.rejects(compileC(source, { outPath: join(dir, 'warning.o') }), (e: unknown) => e instanceof BuildError && /-Werror/.test(e.message));
});

test('a missing source is a BuildError naming the path', async () => {
  await assert.rejects(compileC(join(dir, 'absent.c')), (e: unknown) => e instanceof BuildError && e.code === 'SOURCE_NOT_FOUND' && /absent\.c/.test(e.message));
});
