/**
 * The deterministic generator behind `--seed "files=1000,shares=300,..."`: a file tree with the
 * kinds of names policies care about (public/team/private folders, an evergreen folder, unicode
 * names, .env/.pem/.key files) and shares over it with an age spread, mixed visibility and periods.
 * Pure: the same spec and clock give the same data.
 */
import { BASE62, createPrng, PWD_ALPHABET, type Prng } from './prng';
import type { EmulatorFile, EmulatorShare, EmulatorSharePeriod, SeedSpec } from './types';

export interface SeedData {
  /** Folders and files, parents before children. */
  files: EmulatorFile[];
  /** Shares oldest first (ids grow with ctime, as TeraBox's appear to). */
  shares: EmulatorShare[];
  /** Where generated ids continue after the seed data. */
  nextFsId: number;
  nextShareId: number;
}

/** fs ids look like TeraBox's (15 digits, below 2^53); share ids like Baidu's (11 digits). */
export const FIRST_FS_ID = 100_000_000_000_000;
export const FIRST_SHARE_ID = 30_000_000_000;

const BASE_FOLDERS = [
  '/Public',
  '/Public/evergreen',
  '/Public/写真',
  '/Team',
  '/Team/Projects',
  '/Team/Проекты',
  '/Private',
  '/Private/keys',
  '/Archive',
] as const;
const BATCH_PARENTS = ['/Public', '/Team', '/Archive', '/Private'] as const;
const FILES_PER_BATCH_FOLDER = 500;

const PLAIN_STEMS = ['report', 'invoice', 'photo', 'video', 'notes', 'backup', 'slides', 'budget'];
const UNICODE_STEMS = ['写真', 'résumé', 'Отчёт', 'データ', 'café menu', '😀 party', 'naïve plan'];
const EXTENSIONS = ['.pdf', '.jpg', '.mp4', '.docx', '.zip', '.txt', '.png'];
const SECRET_NAMES = ['.env', 'id_rsa.pem', 'server.key', 'prod.env', 'tls.key', 'cert.pem'];

/** Period mix: mostly permanent, then the common 30 and 7 days, a few 1-day links. */
const PERIOD_WEIGHTS: Array<[EmulatorSharePeriod, number]> = [
  [0, 0.5],
  [30, 0.25],
  [7, 0.2],
  [1, 0.05],
];

/** Builds the seed data for `spec` with `nowMs` as the present (epoch ms). */
export function generateSeedData(spec: SeedSpec, nowMs: number): SeedData {
  if (spec.shares > 0 && spec.files === 0) throw new Error('seed spec: shares need files (files must be > 0)');
  const rnd = createPrng(spec.seed);
  const nowSec = Math.floor(nowMs / 1000);
  const maxAgeSec = Math.floor(spec.maxAgeDays * 86_400);
  const files: EmulatorFile[] = [];
  const taken = new Set<string>();
  let fsId = FIRST_FS_ID;
  const add = (path: string, isdir: boolean, size: number): EmulatorFile => {
    fsId += 1 + rnd.int(1_000_000);
    const file: EmulatorFile = { fsId: String(fsId), path, isdir, size, ctime: nowSec - maxAgeSec - rnd.int(86_400 * 365) };
    files.push(file);
    taken.add(path);
    return file;
  };

  const folders: EmulatorFile[] = BASE_FOLDERS.map((p) => add(p, true, 0));
  const batches = Math.floor(spec.files / FILES_PER_BATCH_FOLDER);
  for (let b = 1; b <= batches; b++) {
    const parent = BATCH_PARENTS[b % BATCH_PARENTS.length] as string;
    folders.push(add(`${parent}/batch-${String(b).padStart(4, '0')}`, true, 0));
  }

  const regular: EmulatorFile[] = [];
  for (let i = 0; i < spec.files; i++) {
    const folder = rnd.pick(folders).path;
    const path = uniquePath(`${folder}/${fileName(rnd, i, folder)}`, i, taken);
    regular.push(add(path, false, 1 + rnd.int(50_000_000)));
  }

  const shares: EmulatorShare[] = [];
  const surls = new Set<string>();
  for (let k = 0; k < spec.shares; k++) {
    const items = pickShareItems(rnd, regular, folders);
    const isPublic = rnd.next() < spec.public;
    const views = Math.floor(rnd.next() ** 3 * 5000);
    const downloads = Math.floor(views * rnd.next() * 0.5);
    let shorturl: string;
    do shorturl = `1${rnd.chars(BASE62, 10)}`;
    while (surls.has(shorturl));
    surls.add(shorturl);
    shares.push({
      shareId: '', // assigned below, once sorted by age
      fsIds: items.map((f) => f.fsId),
      paths: items.map((f) => f.path),
      shorturl,
      ctime: nowSec - rnd.int(maxAgeSec + 1),
      period: pickPeriod(rnd),
      public: isPublic,
      pwd: isPublic ? '' : rnd.chars(PWD_ALPHABET, 4),
      status: 0,
      viewCount: views,
      downloadCount: downloads,
      saveCount: Math.floor(downloads * rnd.next() * 0.3),
    });
  }
  shares.sort((a, b) => a.ctime - b.ctime);
  let shareId = FIRST_SHARE_ID;
  for (const share of shares) {
    shareId += 1 + rnd.int(9_999);
    share.shareId = String(shareId);
  }
  return { files, shares, nextFsId: fsId + 1, nextShareId: shareId + 1 };
}

function fileName(rnd: Prng, i: number, folder: string): string {
  const r = rnd.next();
  // Secrets turn up everywhere, but mostly where people keep them.
  const secretRate = folder === '/Private/keys' ? 0.5 : 0.03;
  if (r < secretRate) return rnd.pick(SECRET_NAMES);
  const num = String(i).padStart(5, '0');
  if (r < secretRate + 0.1) return `${rnd.pick(UNICODE_STEMS)}-${num}${rnd.pick(EXTENSIONS)}`;
  return `${rnd.pick(PLAIN_STEMS)}-${num}${rnd.pick(EXTENSIONS)}`;
}

/** TeraBox renames a clash as `name(1).ext`-like; we append the file's index instead. */
function uniquePath(path: string, i: number, taken: Set<string>): string {
  if (!taken.has(path)) return path;
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  const cut = dot > slash + 1 ? dot : path.length; // `.env` has no stem: suffix at the end
  return `${path.slice(0, cut)}(${i})${path.slice(cut)}`;
}

function pickShareItems(rnd: Prng, regular: EmulatorFile[], folders: EmulatorFile[]): EmulatorFile[] {
  const r = rnd.next();
  if (r < 0.1) return [rnd.pick(folders)];
  if (r < 0.15 && regular.length > 1) {
    const first = rnd.pick(regular);
    const second = rnd.pick(regular);
    return first === second ? [first] : [first, second];
  }
  return [rnd.pick(regular)];
}

function pickPeriod(rnd: Prng): EmulatorSharePeriod {
  let r = rnd.next();
  for (const [period, weight] of PERIOD_WEIGHTS) {
    if (r < weight) return period;
    r -= weight;
  }
  return 0;
}
