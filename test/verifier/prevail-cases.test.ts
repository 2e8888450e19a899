import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateProgram } from '../../src/isa/validate.ts';
import { loadPrevailCases, parseFact } from './prevail/cases.ts';
import { runCase } from './prevail/runner.ts';

test('all 802 PREVAIL cases read: programs assemble, entry states parse, verdicts are known', () => {
  const cases = loadPrevailCases();
  assert.equal(cases.length, 802);
  assert.equal(cases.filter((c) => c.mustReject).length, 273);
  assert.equal(cases.filter((c) => !c.mustReject).length, 529);
  const unrepresentable = cases.filter((c) => c.unrepresentable);
  // Only what no eBPF instruction encodes may fail to assemble: PREVAIL's internal NSET (`&!=`) and a
  // 32-bit sign extension from 32 bits.
  assert.ok(unrepresentable.every((c) => /&!=|no instruction for w\d+ s32=/.test(c.unrepresentable!)), unrepresentable.map((c) => `${c.name}: ${c.unrepresentable}`).join('\n'));
  assert.ok(unrepresentable.length <= 10, `${unrepresentable.length} cases cannot be encoded`);
  for (const c of cases) assert.ok(c.instructions.length > 0 || c.pre === 'bottom' || c.unrepresentable, `${c.file}: ${c.name} has no program`);
  const structurallyInvalid = cases.filter((c) => c.instructions.length > 0 && validateProgram(c.instructions).length > 0);
  assert.ok(structurallyInvalid.every((c) => c.mustReject || c.pre === 'bottom'), `structurally invalid but expected to pass: ${structurallyInvalid.filter((c) => !c.mustReject).map((c) => c.name).join(', ')}`);
});

test('entry-state facts split into subject, property and value', () => {
  assert.deepEqual(parseFact('r1.type=ctx'), { subject: 'r1', property: 'type', relation: '=', value: 'ctx' });
  assert.deepEqual(parseFact('r0.svalue=[0, 5]'), { subject: 'r0', property: 'svalue', relation: '=', value: '[0, 5]' });
  assert.deepEqual(parseFact('s[0...7].type=number'), { subject: 's[0...7]', property: 'type', relation: '=', value: 'number' });
  assert.deepEqual(parseFact('packet_size=[0, 100]'), { subject: 'packet_size', property: undefined, relation: '=', value: '[0, 100]' });
  assert.deepEqual(parseFact('r1.type in {stack, shared}'), { subject: 'r1', property: 'type', relation: 'in', value: '{stack, shared}' });
});

test('our verdicts on PREVAIL\'s cases: every disagreement is listed and explained, agreement does not drop', () => {
  const listed = JSON.parse(readFileSync(join(import.meta.dirname, 'prevail', 'disagreements.json'), 'utf8')) as { file: string; test: string; expected: string; got: string; reason: string }[];
  const cases = loadPrevailCases();
  const disagreements: { file: string; test: string; expected: string; got: string }[] = [];
  for (const c of cases) {
    const { rejected } = runCase(c);
    if (rejected !== c.mustReject) disagreements.push({ file: c.file, test: c.name, expected: c.mustReject ? 'reject' : 'accept', got: rejected ? 'reject' : 'accept' });
  }
  const agree = cases.length - disagreements.length;
  console.log(`prevail-yaml: ${agree} agree, ${disagreements.length} disagree`);
  const key = (d: { file: string; test: string; expected: string; got: string }) => `${d.file} | ${d.test} | expected ${d.expected}, got ${d.got}`;
  assert.deepEqual(disagreements.map(key), listed.map(key), 'the disagreements changed: update test/verifier/prevail/disagreements.json with a reason for each');
  for (const d of listed) assert.ok(d.reason.length > 20, `${key(d)} needs a reason`);
  // A missed reject is a hole, unless PREVAIL's expected message is about its own imprecision on a program
  // its case says is safe, never about the program's safety. (Its `observe` harness checks run here too.)
  const missed = listed.filter((x) => x.expected === 'reject');
  for (const d of missed) assert.match(d.reason, /^ours is more precise: .*PREVAIL's own comment says/, `${key(d)}: a missed reject`);
  assert.ok(missed.length <= 2, `${missed.length} missed rejects`);
  assert.ok(agree >= Math.ceil(0.95 * cases.length), `agreement ${agree} of ${cases.length} is below 95%`);
  assert.ok(agree >= 774, `agreement dropped to ${agree}`);
});
