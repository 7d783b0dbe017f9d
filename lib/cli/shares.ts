/** `share-lifecycle shares list`: every share link of the account, as a table or JSON. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Share } from '../domain/share';
import type { CommandRunner } from './command';
import { formatAgeDays, formatTime, plural, tableLines } from '../format/plain-text';
import { EXIT, Progress, printJson, writeOut } from './io';
import { accountOption } from './account-option';

function parsePageSize(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole number from 1 to 100.');
  return n;
}

/** A share as `shares list --json` prints it: the normalized fields, ids as strings, no raw item. */
export function shareToJson(share: Share): Record<string, unknown> {
  return {
    shareId: share.shareId,
    shortUrl: share.shortUrl,
    link: share.link,
    paths: share.paths,
    fsIds: share.fsIds,
    createdAt: share.createdAtMs === undefined ? undefined : new Date(share.createdAtMs).toISOString(),
    expiresAt: share.expiresAtMs === undefined ? undefined : share.expiresAtMs === null ? null : new Date(share.expiresAtMs).toISOString(),
    expired: share.expired,
    visibility: share.visibility,
    dead: share.dead,
    deadReason: share.deadReason,
    viewCount: share.viewCount,
    downloadCount: share.downloadCount,
    saveCount: share.saveCount,
  };
}

/** Registers the `shares` command group. */
export function registerShareCommands(program: Command, runner: CommandRunner): void {
  const shares = program.command('shares').description('Read the share links of the TeraBox account.');
  shares
    .command('list')
    .addOption(accountOption())
    .description('List every share link of the account (all pages of TeraBox\'s share list).')
    .option('--json', 'print a JSON array of shares (ids as strings)')
    .addOption(new Option('--page-size <n>', 'shares per TeraBox page (1-100)').argParser(parsePageSize).default(100))
    .action(
      runner(async (run, options: { json?: boolean; pageSize: number }) => {
        await run.context.check({ terabox: true });
        const client = await run.context.teraboxClient();
        const progress = Progress.for(run.io, options);
        const all: Share[] = [];
        let pages = 0;
        for await (const share of client.paginateShares({
          pageSize: options.pageSize,
          onPage: () => {
            pages += 1;
            progress.update(`listing shares: ${pages} ${pages === 1 ? 'page' : 'pages'}, ${all.length} shares`);
          },
        })) {
          all.push(share);
        }
        progress.done();
        if (options.json === true) {
          await printJson(run.io, all.map(shareToJson));
          return EXIT.ok;
        }
        const now = Date.now();
        const rows = all.map((s) => [
          s.shareId,
          formatTime(s.createdAtMs),
          formatAgeDays(s.createdAtMs, now),
          s.expired === true ? 'expired' : s.expiresAtMs === null ? 'never' : formatTime(s.expiresAtMs),
          s.visibility,
          s.link,
          s.paths.join(', '),
        ]);
        const table = tableLines(['SHARE ID', 'CREATED', 'AGE', 'EXPIRES', 'VISIBILITY', 'LINK', 'PATHS'], rows);
        await writeOut(run.io, [...table, `${plural(all.length, 'share')}\n`]);
        return EXIT.ok;
      }),
    );
}
