// Assembly text to instructions (the conformance suite's syntax).
export { assemble, AssemblerError } from './assembler.ts';
export { assembleVerifierSyntax } from './verifier-syntax.ts';
