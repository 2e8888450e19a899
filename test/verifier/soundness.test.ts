// The verifier's oracle: whenever it accepts a program, running that program in the interpreter's checked
// mode, with every access required to fall inside the object it may touch (its own stack frames, the
// context, the packet, an array map's values), never faults. Programs come from test/verifier/generate.ts,
// which favours pointers, bounds checks, map lookups, variable offsets, loops and local calls, with
// offsets, checks and bounds that are sometimes wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleVerifierSyntax } from '../../src/asm/index.ts';
import { seededRandom } from '../../src/object/mutate.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
import { analyse } from '../../src/verifier/analysis.ts';
import { generateProgram, GENERATED_MAPS, runChecked } from './generate.ts';

const xdp = windowsPlatform.programTypeByName('xdp')!;

test('no program the verifier accepts faults in checked execution', () => {
  const random = seededRandom(0x50bd);
  let accepted = 0;
  let rejected = 0;
  let loops = 0;
  let calls = 0;
  for (let i = 0; i < 3000; i++) {
    const source = generateProgram(random);
    const instructions = assembleVerifierSyntax(source);
    const verdict = analyse(instructions, xdp, windowsPlatform, GENERATED_MAPS);
    if (!verdict.ok) {
      rejected++;
      continue;
    }
    accepted++;
    if (verdict.loopBound) loops++;
    const hasCalls = source.includes('call <');
    if (hasCalls) calls++;
    const fault = runChecked(instructions, random, hasCalls ? 2 : 1);
    assert.equal(fault, undefined, `accepted but faulted:\n${source}`);
  }
  assert.ok(accepted > 300 && rejected > 300, `accepted ${accepted}, rejected ${rejected}`);
  assert.ok(loops > 50 && calls > 50, `accepted programs with loops: ${loops}, with calls: ${calls}`);
  console.log(`soundness: ${accepted} accepted programs ran clean (${loops} with loops, ${calls} with local calls), ${rejected} rejected`);
});
