import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateProgram } from '../../src/isa/validate.ts';
import { loadPrevailCases, parseFact } from './prevail/cases.ts';

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
