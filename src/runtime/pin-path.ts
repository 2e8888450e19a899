// The pinning namespace's path rules (spec §6.4, eBPF for Windows' `ebpf_canonicalize_path`): every pin
// lives at a canonical `BPF:\a\b` path, whatever spelling the user typed (`/sys/fs/bpf/x`, `my/pin`,
// `/ebpf/global/x`, `BPF:/./x`). Paths are case-sensitive; only the prefixes are matched without case.

/** Longest canonical pin path, as on Windows (EBPF_MAX_PIN_PATH_LENGTH). */
export const MAX_PIN_PATH_LENGTH = 256;

/** A pin path that cannot be canonicalized (Windows answers EBPF_INVALID_ARGUMENT). */
export class PinPathError extends Error {
  readonly code = 'INVALID_PIN_PATH';
  readonly path: string;
  constructor(path: string, reason: string) {
    super(`invalid pin path '${path}': ${reason}`);
    this.name = 'PinPathError';
    this.path = path;
  }
}

const DEVICE = 'BPF:';
const LEGACY_ROOT = '\\ebpf\\global\\';

/** The canonical `BPF:\...` form of a pin path; throws PinPathError for `:` after the prefix or `..` above the root. */
export function canonicalPinPath(input: string): string {
  let rest = input.slice(0, DEVICE.length).toUpperCase() === DEVICE ? input.slice(DEVICE.length) : input;
  rest = rest.replaceAll('/', '\\');
  if (!rest.startsWith('\\')) rest = `\\${rest}`;
  if (rest.includes(':')) throw new PinPathError(input, "':' is not allowed after the BPF: prefix");
  if (rest.slice(0, LEGACY_ROOT.length).toLowerCase() === LEGACY_ROOT) rest = rest.slice(LEGACY_ROOT.length - 1);
  const parts: string[] = [];
  for (const part of rest.split('\\')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new PinPathError(input, "'..' goes above the root");
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  const canonical = `${DEVICE}\\${parts.join('\\')}`;
  if (canonical.length > MAX_PIN_PATH_LENGTH) throw new PinPathError(input, `longer than ${MAX_PIN_PATH_LENGTH} characters`);
  return canonical;
}

/** Whether `path` is a canonical pin path under the directory `dir` (both canonical). */
export function isUnderPinDirectory(path: string, dir: string): boolean {
  return dir === 'BPF:\\' ? path !== dir : path.startsWith(`${dir}\\`);
}

/** Compares two pin paths by UTF-16 code unit, the order netsh lists them in. */
export function comparePinPaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
