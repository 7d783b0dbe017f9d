/** `share-lifecycle emulator`: the TeraBox emulator alone (its own option parser, runEmulatorCli). */
import type { Command } from 'commander';
import { runEmulatorCli } from '../terabox/emulator';
import type { CommandRunner } from './command';

/** Registers `emulator`: every argument after it goes to the emulator's own command line. */
export function registerEmulatorCommand(program: Command, runner: CommandRunner): void {
  program
    .command('emulator')
    .description('Run the TeraBox emulator on 127.0.0.1 (try `emulator --help` for its options: --port, --seed, --faults, ...).')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]', 'emulator options, e.g. --port 8787 --seed "shares=300" --faults "latency=20"')
    .action(
      runner(async (run, args: string[]) =>
        runEmulatorCli(args, { out: (text) => run.io.out(text), err: (text) => run.io.err(`${text.replace(/^error: /, 'share-lifecycle emulator: ')}`) }),
      ),
    );
}
