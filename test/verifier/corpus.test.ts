// The ebpf-samples corpus under the Linux platform: every program EXPECTED.tsv lists as present is verified
// and compared with PREVAIL's expected status. Every disagreement is listed with its reason in
// corpus/disagreements.json, every expected failure's verdict in corpus/expected-failures.json; the test
// fails when either list changes, on an accepted unsafe program, and on any exception or lost program.
// The whole corpus takes 90-150 s here, so `npm test` runs a fixed sample: every unsafe and every malformed
// program, and every fourth of the others in EXPECTED.tsv's order (about a quarter of the time);
// `EBPF_CORPUS=all` runs all 686, and `npm run corpus` checks the whole corpus against the same lists.
// Both lists hold every program; a sampled run compares the sampled programs' entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agrees, CORPUS, corpusRows, reasonFor, rowKey, runCorpus, type CorpusResult, type CorpusRow, type Disagreement } from './corpus/runner.ts';

const allListed = JSON.parse(readFileSync(join(import.meta.dirname, 'corpus', 'disagreements.json'), 'utf8')) as Disagreement[];
const allExpectedFailures = JSON.parse(readFileSync(join(import.meta.dirname, 'corpus', 'expected-failures.json'), 'utf8')) as { program: string; got: string }[];

const whole = process.env.EBPF_CORPUS === 'all';

/** The programs `npm test` verifies: every reject and reject_load one, and every fourth of the rest. */
function corpusSample(rows: readonly CorpusRow[]): CorpusRow[] {
  let other = 0;
  return rows.filter((r) => r.expected === 'reject' || r.expected === 'reject_load' || other++ % 4 === 0);
}

test(`the corpus under the Linux platform (${whole ? 'every program' : 'the fixed sample; EBPF_CORPUS=all for every program'}): every verdict is PREVAIL's expected one or a listed, explained disagreement`, async (t) => {
  assert.ok(existsSync(join(CORPUS, 'EXPECTED.tsv')), `the corpus is missing: ${CORPUS}`);
  const all = corpusRows();
  assert.equal(all.length, 686);
  const rows = whole ? all : corpusSample(all);
  const chosen = new Set(rows.map(rowKey));
  const listed = allListed.filter((d) => chosen.has(d.program));
  const expectedFailures = allExpectedFailures.filter((e) => chosen.has(e.program));
  const results = await runCorpus(rows);
  const count = (f: (r: CorpusResult) => boolean) => results.filter(f).length;

  // Never a crash, never a program the loader cannot find: every program has a verdict or a clear error.
  assert.deepEqual(results.filter((r) => r.detail.startsWith('exception:')).map((r) => `${rowKey(r.row)}: ${r.detail}`), []);
  assert.deepEqual(results.filter((r) => r.verdict === 'not_found').map((r) => `${rowKey(r.row)}: ${r.detail}`), []);
  for (const r of results.filter((x) => x.verdict === 'load_error')) assert.match(r.detail, /^\w+Error: .+/, `${rowKey(r.row)}: a load error names what is wrong`);

  const summary = (['pass', 'reject', 'reject_load', 'expected_failure'] as const).map((e) => {
    const of = results.filter((r) => r.row.expected === e);
    return `${e} ${of.filter(agrees).length}/${of.length}`;
  }).join(', ');
  t.diagnostic(`corpus${whole ? '' : ' sample'}: ${count(agrees)} of ${results.length} agree (${summary}); expected failures accepted: ${count((r) => r.row.expected === 'expected_failure' && r.verdict === 'accept')}`);

  // A missed reject is a security hole: none may be accepted.
  assert.deepEqual(results.filter((r) => r.row.expected === 'reject' && r.verdict === 'accept').map((r) => rowKey(r.row)), []);
  // Every malformed file the loader must refuse is refused by it.
  assert.deepEqual(results.filter((r) => r.row.expected === 'reject_load' && r.verdict !== 'load_error').map((r) => `${rowKey(r.row)}: ${r.verdict}`), []);

  const key = (d: { program: string; expected: string; got: string }) => `${d.program} | expected ${d.expected}, got ${d.got}`;
  const found = results.filter((r) => !agrees(r)).map((r) => ({ program: rowKey(r.row), expected: r.row.expected, got: r.verdict }));
  assert.deepEqual(found.map(key), listed.map(key), 'the disagreements changed: update test/verifier/corpus/disagreements.json with a reason for each');
  for (const d of allListed) assert.ok(d.reason.length > 40 && d.reason !== 'UNEXPLAINED', `${key(d)} needs a reason`);
  // Each listed reason is still the one its category gives (the first error's category did not change).
  for (const r of results.filter((x) => !agrees(x))) {
    const entry = listed.find((d) => d.program === rowKey(r.row))!;
    assert.equal(reasonFor(r), entry.reason, `${rowKey(r.row)}: its first error is now ${r.detail}`);
  }

  // Expected failures (safe programs PREVAIL is too imprecise for): which way each went is recorded.
  const ours = results.filter((r) => r.row.expected === 'expected_failure').map((r) => `${rowKey(r.row)}: ${r.verdict}`);
  assert.deepEqual(ours, expectedFailures.map((e) => `${e.program}: ${e.got}`), 'an expected failure changed its verdict: update test/verifier/corpus/expected-failures.json');
});

test('a program whose analysis exceeds the budget is reported too complex, not hung or crashed', async () => {
  const row = corpusRows().find((r) => r.project === 'bpf_cilium_test' && r.object === 'bpf_lxc-DDROP_ALL.o' && r.section === '1/0x1010')!;
  assert.equal(row.expected, 'pass');
  const [result] = await runCorpus([row], 500);
  assert.equal(result!.verdict, 'too_complex', result!.detail);
  assert.match(result!.detail, /the analysis gave up after 500 instructions \(too many paths\); simplify the program/);
});
