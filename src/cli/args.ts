// netsh-style arguments: a command is a verb and a noun (`show sections`), each may be abbreviated to any
// unambiguous prefix (`sh sec`, `delete prog`), and its parameters are given positionally or as
// `tag=value` in any mix (`show sections TraceConnections.o level=verbose`), tags abbreviable too.

/** One parameter of a netsh-style command. */
export interface ParamSpec {
  /** The tag users type before `=`. */
  readonly tag: string;
  readonly required?: boolean;
  /** Allowed values, when the parameter is an enumeration. */
  readonly values?: readonly string[];
  /** `integer` values must be decimal numbers (checked here, converted by the command). */
  readonly kind?: 'string' | 'integer';
  /** May the value be empty (`attached=""`)? */
  readonly allowEmpty?: boolean;
}

/** Thrown for arguments that do not fit the command; the CLI prints the message and the usage. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Finds the one word of `choices` that `typed` abbreviates (exact match wins). */
export function matchWord(typed: string, choices: readonly string[], what: string): string {
  const lower = typed.toLowerCase();
  if (choices.includes(lower)) return lower;
  const matches = choices.filter((c) => c.startsWith(lower));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new UsageError(`unknown ${what} '${typed}' (expected one of: ${choices.join(', ')})`);
  throw new UsageError(`ambiguous ${what} '${typed}': could be ${matches.join(', ')}`);
}

/**
 * Binds tokens to parameters. `tag=value` tokens bind by (abbreviated) tag; other tokens fill the
 * parameters not yet given, in order. Returns tag -> value for every parameter given.
 */
export function bindParams(tokens: readonly string[], params: readonly ParamSpec[], command: string): Map<string, string> {
  const bound = new Map<string, string>();
  const positional: string[] = [];
  const tags = params.map((p) => p.tag);
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq > 0 && /^[a-z]+$/i.test(token.slice(0, eq))) {
      const tag = matchWord(token.slice(0, eq), tags, `parameter of '${command}'`);
      if (bound.has(tag)) throw new UsageError(`parameter '${tag}' of '${command}' given twice`);
      bound.set(tag, unquote(token.slice(eq + 1)));
    } else {
      positional.push(unquote(token));
    }
  }
  for (const value of positional) {
    const param = params.find((p) => !bound.has(p.tag));
    if (!param) throw new UsageError(`too many arguments for '${command}': '${value}' is not expected`);
    bound.set(param.tag, value);
  }
  for (const param of params) {
    const value = bound.get(param.tag);
    if (value === undefined) {
      if (param.required) throw new UsageError(`'${command}' needs the parameter '${param.tag}'`);
      continue;
    }
    if (value === '' && !param.allowEmpty && param.required) throw new UsageError(`parameter '${param.tag}' of '${command}' is empty`);
    if (param.values && value !== '' && !param.values.includes(value.toLowerCase())) {
      throw new UsageError(`parameter '${param.tag}' of '${command}' must be one of ${param.values.join('|')}, not '${value}'`);
    }
    if (param.kind === 'integer' && !/^\d+$/.test(value)) {
      throw new UsageError(`parameter '${param.tag}' of '${command}' must be a non-negative integer, not '${value}'`);
    }
    if (param.values) bound.set(param.tag, value.toLowerCase());
  }
  return bound;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1);
  return value;
}

/** Splits a shell-like line into tokens (double quotes group, `tag=""` keeps an empty value). */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inQuotes = false;
  let started = false;
  for (const ch of line) {
    if (ch === '"') {
      inQuotes = !inQuotes;
      started = true;
      continue;
    }
    if (!inQuotes && /\s/.test(ch)) {
      if (started) tokens.push(current);
      current = '';
      started = false;
      continue;
    }
    current += ch;
    started = true;
  }
  if (inQuotes) throw new UsageError('unterminated quote');
  if (started) tokens.push(current);
  return tokens;
}
