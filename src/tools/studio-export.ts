#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ConfigError, describeError } from '../domain/errors.js';
import { machineRegistry } from '../machines/registry.js';
import { stateNodesOf, studioModule, transitionCount } from './studio-code.js';

/**
 * `npm run studio:export -- --out <dir>`: writes every machine of the registry to `<dir>/<machine id>.ts`
 * as a `createMachine({...})` module that Stately Studio imports (see README, "Stately Studio"), and
 * prints one line per file. Exit codes: 0 ok, 1 failure, 2 bad flags.
 */

/** Writes the modules; returns one summary line per machine. */
export function exportMachines(out: string): string[] {
  if (out.trim() === '') throw new ConfigError('--out', 'must be a directory path, got an empty string');
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) {
    throw new ConfigError('--out', `${out} exists and is not a directory`);
  }
  fs.mkdirSync(out, { recursive: true });
  return Object.entries(machineRegistry).map(([id, entry]) => {
    const file = path.join(out, `${id}.ts`);
    fs.writeFileSync(file, studioModule(entry.machine, entry.version));
    const states = stateNodesOf(entry.machine).length;
    return `${file}: ${states} states, ${transitionCount(entry.machine)} transitions`;
  });
}

const program = new Command()
  .name('studio:export')
  .description('write each machine as <dir>/<machine>.ts, a createMachine() module for Stately Studio')
  .requiredOption('--out <dir>', 'directory to write into (created if missing)')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .action((flags: { out: string }) => {
    for (const line of exportMachines(flags.out)) process.stdout.write(`${line}\n`);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`studio:export: ${describeError(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
