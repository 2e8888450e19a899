// Object files as collections of programs and maps (libbpf's bpf_object__open): nothing is loaded here.
export * from './types.ts';
export { openObject, openObjectFile, programTypeOf, type OpenOptions } from './object.ts';
export { isDataSection } from './maps.ts';
