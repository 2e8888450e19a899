import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runConformanceSuite } from '../../src/conformance/suite.ts';
import { engineByName } from '../../src/engines/index.ts';
import { sharedData } from '../support/paths.ts';

test('the interpreter passes all 313 conformance programs and handles every negative file as intended', () => {
  const { positive, negative } = runConformanceSuite(join(sharedData, 'conformance'), engineByName('interpreter'));
  const failures = [...positive, ...negative].filter((o) => !o.passed).map((o) => `${o.name}: ${o.detail}`);
  assert.deepEqual(failures, []);
  assert.equal(positive.length, 313);
  assert.equal(negative.length, 60);
  console.log(`conformance: ${positive.length} passed, 0 failed`);
});

test('every unused-* negative program is refused by validation, naming the pc and the field', () => {
  const { negative } = runConformanceSuite(join(sharedData, 'conformance'), engineByName('interpreter'));
  const unused = negative.filter((o) => o.name.startsWith('unused-'));
  assert.equal(unused.length, 45);
  for (const outcome of unused) assert.match(outcome.detail, /refused as expected/, outcome.name);
});
