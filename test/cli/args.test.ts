import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindParams, matchWord, tokenize, UsageError, type ParamSpec } from '../../src/cli/args.ts';

const sections: ParamSpec[] = [
  { tag: 'filename', required: true },
  { tag: 'section' },
  { tag: 'level', values: ['normal', 'verbose'] },
];

test('a word may be abbreviated to any unambiguous prefix', () => {
  assert.equal(matchWord('prog', ['programs', 'maps', 'pins'], 'noun'), 'programs');
  assert.equal(matchWord('SEC', ['sections', 'verification'], 'noun'), 'sections');
});

test('an exact word wins over a longer one it prefixes', () => {
  assert.equal(matchWord('map', ['map', 'maps'], 'noun'), 'map');
});

test('an ambiguous abbreviation names every candidate', () => {
  assert.throws(() => matchWord('pro', ['programs', 'processes'], 'noun'), /ambiguous noun 'pro': could be programs, processes/);
});

test('parameters bind positionally in order', () => {
  const args = bindParams(['a.o', 'bind', 'verbose'], sections, 'show sections');
  assert.deepEqual([...args], [['filename', 'a.o'], ['section', 'bind'], ['level', 'verbose']]);
});

test('tag=value and positional arguments mix, positionals filling the remaining parameters', () => {
  const args = bindParams(['level=verbose', 'a.o'], sections, 'show sections');
  assert.equal(args.get('filename'), 'a.o');
  assert.equal(args.get('level'), 'verbose');
  assert.equal(args.has('section'), false);
});

test('tags may be abbreviated and enumeration values are case-insensitive', () => {
  const args = bindParams(['file=a.o', 'lev=VERBOSE'], sections, 'show sections');
  assert.equal(args.get('filename'), 'a.o');
  assert.equal(args.get('level'), 'verbose');
});

test('a missing required parameter, an unknown tag, a bad value and an extra argument are usage errors', () => {
  assert.throws(() => bindParams([], sections, 'show sections'), /'show sections' needs the parameter 'filename'/);
  assert.throws(() => bindParams(['a.o', 'colour=red'], sections, 'show sections'), UsageError);
  assert.throws(() => bindParams(['a.o', 'level=loud'], sections, 'show sections'), /must be one of normal\|verbose, not 'loud'/);
  assert.throws(() => bindParams(['a.o', 's', 'normal', 'extra'], sections, 'show sections'), /'extra' is not expected/);
  assert.throws(() => bindParams(['a.o', 'section=x', 'section=y'], sections, 'show sections'), /given twice/);
});

test('integer parameters refuse anything but decimal digits', () => {
  const params: ParamSpec[] = [{ tag: 'id', required: true, kind: 'integer' }];
  assert.equal(bindParams(['42'], params, 'delete program').get('id'), '42');
  assert.throws(() => bindParams(['-1'], params, 'delete program'), /non-negative integer/);
  assert.throws(() => bindParams(['0x10'], params, 'delete program'), /non-negative integer/);
});

test('the shell tokenizer groups quoted words and keeps empty values', () => {
  assert.deepEqual(tokenize('set program 5 attached=""'), ['set', 'program', '5', 'attached=']);
  assert.deepEqual(tokenize('  show   sections "my file.o"  '), ['show', 'sections', 'my file.o']);
  assert.throws(() => tokenize('show "unterminated'), /unterminated quote/);
});
