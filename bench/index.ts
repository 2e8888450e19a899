// `npm run bench`: every benchmark, each printing its figures next to a reference measured in the same run.
import { cpus } from 'node:os';
import { benchInterpreter } from './interpreter.ts';
import { benchJit } from './jit.ts';
import { benchJitPackets } from './jit-xdp.ts';
import { benchHooks } from './hooks.ts';
import { benchRuntime } from './runtime.ts';
import { benchService } from './service.ts';
import { benchNative } from './native.ts';
import { benchVerifier } from './verifier.ts';
import { benchCorpus } from './corpus.ts';
import { benchPlugin } from './plugin.ts';

console.log(`ebpf-for-node benchmarks: node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}`);
await benchInterpreter();
await benchJit();
await benchJitPackets();
await benchRuntime();
await benchPlugin();
await benchNative();
await benchVerifier();
await benchCorpus();
await benchHooks();
await benchService();
