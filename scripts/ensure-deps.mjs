#!/usr/bin/env node
// Installs what `npm test` and `npm run demo` need on a fresh Debian machine with Node 20:
// the npm dependencies, and clang-19 / llvm-19 / bpftool from Debian's packages (as root).
// Plain JavaScript on purpose: it runs before any dependency exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args) {
  console.error(`ensure-deps: ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function npmDepsMissing() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(join(root, 'node_modules', '.bin', 'tsx')) || !existsSync(marker)) return true;
  // package.json newer than the last install: a dependency may have been added.
  return statSync(join(root, 'package.json')).mtimeMs > statSync(marker).mtimeMs;
}

if (npmDepsMissing()) {
  run('npm', existsSync(join(root, 'package-lock.json')) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
}

const debianPackages = [
  ['clang-19', 'clang-19'],
  ['llvm-objdump-19', 'llvm-19'],
  ['bpftool', 'bpftool'],
  ['gcc', 'gcc'],
];
const missing = debianPackages.filter(([cmd]) => !have(cmd)).map(([, pkg]) => pkg);
if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && have('apt-get')) {
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  } else {
    console.error(`ensure-deps: missing ${missing.join(', ')}; install them with: sudo apt-get install ${missing.join(' ')}`);
    process.exitCode = 1;
  }
}
