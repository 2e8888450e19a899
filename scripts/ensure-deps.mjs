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

// The Studio's browser tests drive Debian's chromium (never a downloaded browser). Without it they skip
// saying why, so a failed install here is reported, not fatal.
if (!existsSync('/usr/bin/chromium')) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && have('apt-get')) {
    try {
      run('apt-get', ['update', '-qq']);
      run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
    } catch {
      console.error('ensure-deps: chromium could not be installed; the Studio browser tests will skip');
    }
  } else {
    console.error('ensure-deps: no /usr/bin/chromium; the Studio browser tests will skip (install it with: sudo apt-get install chromium)');
  }
}

// The Studio page, bundled from node_modules with esbuild (the service rebuilds it when it is stale).
execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'build-studio.ts')], { stdio: 'inherit', cwd: root });
