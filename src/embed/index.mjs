// Entry point of `import ... from 'ebpf-for-node'` under plain Node: the sources are TypeScript, loaded
// through tsx's scoped loader (nothing registered globally, the application's own loading untouched).
// TypeScript projects get the types from index.ts (package.json "types" condition).
import { tsImport } from 'tsx/esm/api';

const api = await tsImport('./index.ts', import.meta.url);

export const {
  loadPlugin, Plugin, PluginError, PluginMap,
  ContextError, decodeContext, encodeContext,
  BtfEncodeError, encodeValue, formatValue,
  BuildError, compileC,
  openObject, openObjectFile,
  verifyObject, verifyProgram, formatVerificationReport,
  Runtime, RuntimeError,
  windowsPlatform,
  socketApi, ServiceNotRunningError,
} = api;
