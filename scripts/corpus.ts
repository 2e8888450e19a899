// `npm run corpus`: the whole ebpf-samples corpus verified under the Linux platform. Prints the agreement
// with PREVAIL's expected status per status, each disagreement category with its count, any change
// against the committed list (test/verifier/corpus/disagreements.json), and the timings against PREVAIL's.
// Exit code 1 when the disagreements differ from the committed list or an unsafe program is accepted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusTimings } from '../bench/corpus.ts';
import { printTable } from '../bench/harness.ts';
import { agrees, CORPUS_BUDGET, corpusRows, reasonFor, rowKey, runCorpus, type Disagreement } from '../test/verifier/corpus/runner.ts';

const results = await runCorpus(corpusRows());
const statuses = ['pass', 'reject', 'reject_load', 'expected_failure'] as const;
printTable('Corpus under the Linux platform: our verdicts against PREVAIL\'s expected status', ['expected', 'programs', 'agree', 'accepted', 'rejected', 'load error', 'too complex'],
  statuses.map((e) => {
    const of = results.filter((r) => r.row.expected === e);
    const n = (v: string) => of.filter((r) => r.verdict === v).length;
    return [e, of.length, e === 'expected_failure' ? '(either)' : of.filter(agrees).length, n('accept'), n('reject'), n('load_error'), n('too_complex')];
  }));
const categories = new Map<string, number>();
for (const r of results.filter((x) => !agrees(x))) {
  const reason = reasonFor(r) ?? `UNEXPLAINED: ${r.detail}`;
  categories.set(reason, (categories.get(reason) ?? 0) + 1);
}
console.log('Disagreements by reason:');
for (const [reason, n] of [...categories].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(3)}  ${reason}`);
const most = results.reduce((a, b) => (b.explored > a.explored ? b : a));
console.log(`Most instructions explored: ${most.explored.toLocaleString('en-US')} (${rowKey(most.row)}); the budget per program is ${CORPUS_BUDGET.toLocaleString('en-US')}, after which a program is reported too complex`);
printTable('Timings against PREVAIL', ['verifier', 'programs', 'total s', 'median ms', 'slowest s', 'slowest program'], corpusTimings(results));

const listed = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'test', 'verifier', 'corpus', 'disagreements.json'), 'utf8')) as Disagreement[];
const key = (d: { program: string; expected: string; got: string }) => `${d.program} | expected ${d.expected}, got ${d.got}`;
const now = new Set(results.filter((r) => !agrees(r)).map((r) => key({ program: rowKey(r.row), expected: r.row.expected, got: r.verdict })));
const before = new Set(listed.map(key));
const added = [...now].filter((k) => !before.has(k));
const gone = [...before].filter((k) => !now.has(k));
for (const k of added) console.log(`new disagreement: ${k}`);
for (const k of gone) console.log(`no longer a disagreement: ${k}`);
const holes = results.filter((r) => r.row.expected === 'reject' && r.verdict === 'accept');
for (const r of holes) console.log(`UNSAFE PROGRAM ACCEPTED: ${rowKey(r.row)}`);
process.exitCode = added.length + gone.length + holes.length > 0 ? 1 : 0;
