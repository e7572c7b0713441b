#!/usr/bin/env node
/**
 * `troupe`: the command line. Every command has --help; errors print one line (`troupe: …`) on
 * stderr and exit with code 1 (TROUPE_DEBUG=1 prints the stack too).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { TroupeError } from '../runtime/errors.js';
import { benchCommand } from './commands/bench.js';
import { demoCommand } from './commands/demo.js';
import { historyCommand } from './commands/history.js';
import { inspectCommand } from './commands/inspect.js';
import { restoreCommand } from './commands/restore.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(): Command {
  const program = new Command('troupe')
    .description('Troupe: actors with mailboxes on a worker-thread pool, supervision, LMDB persistence')
    .version(version(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError()
    .exitOverride();
  for (const command of [demoCommand(), benchCommand(), historyCommand(), inspectCommand(), restoreCommand()]) {
    program.addCommand(command.showHelpAfterError('(run with --help for usage)').exitOverride());
  }
  program.addHelpText('after', `
Start with:
  $ troupe demo            run the main job and watch its dashboard
  $ troupe <command> --help`);
  return program;
}

/** Run the CLI; resolves with the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander has printed it (or the help)
    // The reader went away (`troupe history | head`): not a failure, as for any Unix filter.
    if ((err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') return 0;
    const message = err instanceof TroupeError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`troupe: ${message}\n`);
    if (process.env.TROUPE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain()) process.exitCode = await main();
