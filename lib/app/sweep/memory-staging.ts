/**
 * The listing staging of a run in one process (the CLI, `npm start`, tests of the use case): the
 * same contract as the DynamoDB store, held in memory for the life of the run.
 */
import type { ListingStagingStore, StagedPage, SweepCheckpoint } from '../store-ports';

const pageKey = (page: number, reread: boolean): string => `${String(page).padStart(7, '0')}#${reread ? 1 : 0}`;

export class MemoryListingStaging implements ListingStagingStore {
  private readonly pages = new Map<string, Map<string, StagedPage>>();
  private readonly checkpoints = new Map<string, SweepCheckpoint>();

  async putPage(runId: string, page: StagedPage): Promise<void> {
    let run = this.pages.get(runId);
    if (!run) this.pages.set(runId, (run = new Map()));
    // Kept as given: the listing hands over objects of its own (no copy of 100,000 shares).
    run.set(pageKey(page.page, page.reread), page);
  }

  async saveCheckpoint(checkpoint: SweepCheckpoint): Promise<boolean> {
    const key = `${checkpoint.accountId}#${checkpoint.runId}`;
    const stored = this.checkpoints.get(key);
    if ((stored?.chunks ?? 0) !== checkpoint.chunks - 1) return false;
    this.checkpoints.set(key, structuredClone(checkpoint));
    return true;
  }

  async getCheckpoint(accountId: string, runId: string): Promise<SweepCheckpoint | undefined> {
    const stored = this.checkpoints.get(`${accountId}#${runId}`);
    return stored === undefined ? undefined : structuredClone(stored);
  }

  async *readPages(runId: string, lastPage: number): AsyncIterable<StagedPage> {
    const run = this.pages.get(runId);
    if (!run) return;
    const keys = [...run.keys()].sort();
    for (const key of keys) {
      const page = run.get(key)!;
      if (page.page <= lastPage) yield page;
    }
  }
}
