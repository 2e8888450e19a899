// The package's public API (`import { loadPlugin } from 'ebpf-for-node'`): plug-ins for applications,
// and the layers under them for tools: compile, open, verify, run, and talk to a running service.
// index.mjs re-exports exactly these names for plain Node (a test holds the two lists equal).

export { loadPlugin, Plugin, PluginError, PluginMap, type PluginOptions, type PluginRunInput, type PluginRunResult } from './plugin.ts';
export { ContextError, decodeContext, encodeContext, type ContextValue } from './context.ts';
export { BtfEncodeError, encodeValue, type EncodableValue } from '../btf/encode.ts';
export { formatValue, type DecodedValue } from '../btf/value.ts';
export { BuildError, compileC } from '../build/clang.ts';
export { openObject, openObjectFile } from '../object/index.ts';
export { verifyObject, verifyProgram } from '../verifier/index.ts';
export { formatVerificationReport } from '../verifier/report.ts';
export { Runtime, RuntimeError } from '../runtime/runtime.ts';
export { windowsPlatform } from '../platform/index.ts';
export { socketApi, ServiceNotRunningError } from '../client/index.ts';
