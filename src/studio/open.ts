// Opening what the page uploads or a loaded program came from: an ELF object file, or a native module
// (a signed WebAssembly module built by `ebpf native`), seen through the object model either way so the
// inspector and the map layouts read both. Signatures are checked by the load, not here.

import { openObject, type ObjectSpec } from '../object/index.ts';
import { hasWasmMagic, nativeObject, readNativeModule } from '../native/index.ts';

/** Whether a file is a native module: named `.wasm` or starting as WebAssembly does. */
export function isNativeModule(bytes: Uint8Array, name: string): boolean {
  return name.endsWith('.wasm') || hasWasmMagic(bytes);
}

/** The object file or native module in `bytes`; throws (with the reader's message) when it is neither. */
export function openObjectOrModule(bytes: Uint8Array, name: string): ObjectSpec {
  return isNativeModule(bytes, name) ? nativeObject(readNativeModule(bytes), name) : openObject(bytes, { name });
}
