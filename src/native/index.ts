// Native modules: verified, signed, ahead-of-time compiled eBPF programs (eBPF for Windows' native mode,
// with WebAssembly for the driver). Build with buildNativeModule, check with checkNativeModule, run with
// instantiateNative; keys and trust in signing.ts and trust.ts.
export { buildNativeModule, resolveTypeOption, type BuildOptions, type BuiltModule } from './build.ts';
export { hasWasmMagic, NativeModuleError, SECTION } from './format.ts';
export { instantiateNative, relocatedCode, type NativeTarget } from './instantiate.ts';
export { checkNativeModule, nativeObject, readNativeModule, type NativeModule, type NativeProgram, type SigningPolicy } from './module.ts';
export { helpersUsed, programInfoHash } from './program-info.ts';
export { fingerprintOf, homeSigningKey, readPublicKeyFile, readSigningKey, SIGNING_KEY_FILE, type SigningKey } from './signing.ts';
export { addTrustedKey, readTrustedKeys, removeTrustedKey, trustPath, type TrustedKey } from './trust.ts';
