// The unsafe suite: one small C program per safety rule, each marking the line that breaks it with a
// trailing `// ERROR` (optionally `// ERROR: <regex>` for the expected message). Each is compiled with
// clang -O2 against include/, verified, and must be rejected with its first error on that line. Files
// without a marker are positive controls and must be accepted, as must every program of examples/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openObjectFile } from '../../../src/object/index.ts';
import { verifyObject } from '../../../src/verifier/index.ts';
import { compileTestProgram } from '../../support/compile.ts';
import { repoRoot } from '../../support/paths.ts';

const here = fileURLToPath(new URL('.', import.meta.url));


interface Expectation {
  /** 1-based line of the `// ERROR` marker, or undefined for a program that must be accepted. */
  readonly line?: number;
  readonly message?: RegExp;
}

function expectation(source: string): Expectation {
  const lines = source.split('\n');
  const index = lines.findIndex((l) => /\/\/ ERROR(:|$|\s)/.test(l));
  if (index < 0) return {};
  const pattern = /\/\/ ERROR:\s*(.+?)\s*$/.exec(lines[index]!)?.[1];
  return pattern ? { line: index + 1, message: new RegExp(pattern) } : { line: index + 1 };
}

async function verifySource(path: string) {
  const object = await openObjectFile(await compileTestProgram(path));
  return verifyObject(object);
}

const unsafe = readdirSync(here).filter((f) => f.endsWith('.c')).sort();

test('the unsafe suite covers every rule with at least one program, and has positive controls', () => {
  const expectations = unsafe.map((f) => expectation(readFileSync(join(here, f), 'utf8')));
  assert.ok(expectations.filter((e) => e.line !== undefined).length >= 18, 'unsafe programs');
  assert.ok(expectations.filter((e) => e.line === undefined).length >= 2, 'positive controls');
});

for (const file of unsafe) {
  const path = join(here, file);
  const expected = expectation(readFileSync(path, 'utf8'));
  const name = expected.line === undefined
    ? `${file} (a positive control) is accepted`
    : `${file} is rejected, with its first error on line ${expected.line}`;
  test(name, async () => {
    const results = await verifySource(path);
    assert.equal(results.length, 1, 'one program per file');
    const [result] = results;
    if (expected.line === undefined) {
      assert.deepEqual(result!.errors.map((e) => `${e.pc}: ${e.message}`), []);
      assert.equal(result!.ok, true);
      return;
    }
    assert.equal(result!.ok, false, `${file} was accepted`);
    const first = result!.errors[0]!;
    assert.ok(first.line, `${file}: the error at ${first.pc} has no line info`);
    assert.equal(basename(first.line!.file), file);
    assert.equal(first.line!.line, expected.line, `${file}: first error "${first.pc}: ${first.message}" is on line ${first.line!.line}`);
    if (expected.message) assert.match(first.message, expected.message);
  });
}

const examples = readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.c')).sort();

for (const file of examples) {
  test(`every program of examples/${file} is accepted`, async () => {
    const results = await verifySource(join(repoRoot, 'examples', file));
    assert.ok(results.length > 0);
    for (const result of results) {
      assert.deepEqual(result.errors.map((e) => `${result.program} ${e.pc}: ${e.message}`), []);
    }
  });
}
