// What a CLI command writes to and reads from. Commands never touch process.stdout directly, so tests
// run them in-process and compare their output to the character.

/** Output channels and options shared by every command. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** `--json`: print machine-readable output instead of tables. */
  readonly json: boolean;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** An error the CLI reports as `error: <message>` with a non-zero exit code, and no stack trace. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(message: string, code = 'CLI', exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** An io that collects output in strings (for tests and the shell). */
export function bufferedIo(options: { json?: boolean; cwd?: string; env?: Record<string, string | undefined> } = {}): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    json: options.json ?? false,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
  };
  return io;
}

/** The process's own stdout and stderr. */
export function processIo(json: boolean): CliIo {
  return {
    json,
    cwd: process.cwd(),
    env: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
  };
}

/** Right-aligns `value` in `width` columns (printf `%Ns`). */
export function right(value: string | number, width: number): string {
  return String(value).padStart(width);
}

/** Left-aligns `value` in `width` columns (printf `%-Ns`). */
export function left(value: string | number, width: number): string {
  return String(value).padEnd(width);
}
