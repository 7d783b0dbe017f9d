/** `share-lifecycle create`: one share straight on TeraBox (no queue, no share record). */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CreateShareInput, SharePeriod } from '../app/ports';
import { VALID_PERIODS } from '../terabox';
import type { CommandRunner } from './command';
import { renderFields } from '../format/plain-text';
import { EXIT, UsageError, printJson } from './io';
import { accountOption } from './account-option';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function parsePeriod(raw: string): SharePeriod {
  const period = VALID_PERIODS.find((p) => String(p) === raw.trim());
  if (period === undefined) throw new InvalidArgumentError('must be 0 (permanent), 1, 7 or 30 (days).');
  return period;
}

/** Registers `create`. */
export function registerCreateCommand(program: Command, runner: CommandRunner): void {
  program
    .command('create')
    .addOption(accountOption())
    .description('Create one share link straight on TeraBox (no queue, no share record).')
    .option('--fs-id <id>', 'fs id of a file or folder to share (repeatable)', collect)
    .option('--path <path>', 'absolute path of a file or folder to share (repeatable)', collect)
    .addOption(new Option('--period <days>', 'link lifetime: 0 (permanent), 1, 7 or 30 days').argParser(parsePeriod).default(7 as SharePeriod))
    .option('--password <code>', 'make a private link with this code (exactly 4 of 0-9 a-z)')
    .option('--json', 'print the created share as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  share-lifecycle create --path /Public/brochure.pdf --period 30\n  share-lifecycle create --fs-id 123456789012345 --fs-id 123456789012346 --password ab12',
    )
    .action(
      runner(async (run, options: { fsId?: string[]; path?: string[]; period: SharePeriod; password?: string; json?: boolean }) => {
        if ((options.fsId?.length ?? 0) + (options.path?.length ?? 0) === 0) throw new UsageError('give at least one --fs-id or --path');
        if (options.password !== undefined && !/^[0-9a-z]{4}$/.test(options.password)) {
          throw new UsageError('--password must be exactly 4 characters of 0-9 and a-z');
        }
        await run.context.check({ terabox: true });
        const client = await run.context.teraboxClient();
        const input: CreateShareInput = { period: options.period };
        if (options.fsId) input.fsIds = options.fsId;
        if (options.path) input.paths = options.path;
        if (options.password !== undefined) input.password = options.password;
        const share = await client.createShare(input);
        const out = {
          shareId: share.shareId,
          link: share.link,
          shortUrl: share.shortUrl,
          period: share.period,
          visibility: options.password === undefined ? 'public' : 'private',
          createdAt: share.createdAtMs === undefined ? undefined : new Date(share.createdAtMs).toISOString(),
        };
        if (options.json === true) await printJson(run.io, out);
        else
          run.io.out(
            renderFields([
              ['link', out.link],
              ['share id', out.shareId ?? '(not returned by TeraBox; a sweep learns it)'],
              ['visibility', out.visibility],
              ['period', share.period === 0 ? 'permanent' : `${share.period} days`],
            ]),
          );
        return EXIT.ok;
      }),
    );
}
