// The engines by name: what `--engine` and `execution=` choose from.
import type { Engine } from './engine.ts';
import { createInterpreter } from './interpreter/interpreter.ts';
import { createJit } from './jit/index.ts';

export type { Engine } from './engine.ts';

const registry = new Map<string, () => Engine>([
  ['interpreter', () => createInterpreter()],
  ['jit', () => createJit()],
]);

/** Registers an engine under a name (the JIT registers itself as `jit`). */
export function registerEngine(name: string, make: () => Engine): void {
  registry.set(name, make);
}

/** The engine with this name; throws with the list of known names otherwise. */
export function engineByName(name: string): Engine {
  const make = registry.get(name);
  if (!make) throw Object.assign(new Error(`unknown engine '${name}' (known: ${[...registry.keys()].join(', ')})`), { code: 'UNKNOWN_ENGINE' });
  return make();
}

/** Names of the registered engines. */
export function engineNames(): string[] {
  return [...registry.keys()];
}
