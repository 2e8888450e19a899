// `npm run conformance -- --engine interpreter|jit`: the ISA conformance suite from ../shared/data.
import { join } from 'node:path';
import { runConformanceSuite } from '../src/conformance/suite.ts';
import { engineByName } from '../src/engines/index.ts';
import { sharedData } from '../test/support/paths.ts';

const index = process.argv.indexOf('--engine');
const name = index >= 0 ? process.argv[index + 1] ?? '' : 'interpreter';
const engine = engineByName(name);
const { positive, negative } = runConformanceSuite(join(sharedData, 'conformance'), engine);
for (const outcome of positive) if (!outcome.passed) console.log(`FAIL ${outcome.name}: ${outcome.detail}`);
for (const outcome of negative) if (!outcome.passed) console.log(`FAIL negative/${outcome.name}: ${outcome.detail}`);
const passed = positive.filter((o) => o.passed).length;
const negativesOk = negative.filter((o) => o.passed).length;
console.log(`negative: ${negativesOk} of ${negative.length} refused or failed as intended`);
console.log(`conformance: ${passed} passed, ${positive.length - passed} failed`);
process.exitCode = passed === positive.length && negativesOk === negative.length ? 0 : 1;
