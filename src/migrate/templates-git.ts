/**
 * Writes the migrated template files into the templates Git repository and commits them, once.
 *
 * The commit carries one `Migrated-Template: <prototype id> <path>` trailer per template, so a
 * re-run (or a run resumed after a crash) finds the commit instead of committing again, and every
 * bundle's template instance points at the same template_version on every run. Only the
 * template files are staged and committed; other changes in the repository are left alone.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ValidationError } from '../errors.js';
import type { TemplateOutcome } from './report.js';
import type { TemplateDocument } from './templates.js';

const run = promisify(execFile);

/** Where the migrated templates go, relative to the repository root. */
export const TEMPLATES_DIR = 'templates';
const TRAILER = 'Migrated-Template';
/** template_version of a template a dry run would commit (valid hex, obviously not a commit). */
export const UNCOMMITTED_VERSION = '0'.repeat(40);

export interface TemplateLocation {
  /** template_id: path of the file relative to the repository root. */
  path: string;
  /** template_version: the commit that added it. */
  version: string;
}

export interface CommitTemplatesOptions {
  repoDir: string;
  documents: TemplateDocument[];
  author: { name: string; email: string };
  dryRun: boolean;
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** The templates earlier runs committed: prototype template ID -> location. */
async function previousMigrations(root: string): Promise<Map<string, TemplateLocation>> {
  const found = new Map<string, TemplateLocation>();
  try {
    await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  } catch {
    return found; // no commits yet
  }
  const log = await git(root, ['log', '--format=%H%x1f%B%x1e', `--grep=^${TRAILER}: `]);
  for (const entry of log.split('\x1e')) {
    const [commit, body] = entry.trim().split('\x1f');
    if (!commit || !body) continue;
    for (const line of body.split('\n')) {
      const match = new RegExp(`^${TRAILER}: (\\S+) (\\S+)$`).exec(line.trim());
      // git log lists newest first; the oldest commit that added a template is the one bundles used.
      if (match) found.set(match[1]!, { path: match[2]!, version: commit.trim() });
    }
  }
  return found;
}

export async function commitTemplates(options: CommitTemplatesOptions): Promise<{ locations: Map<string, TemplateLocation>; outcomes: TemplateOutcome[] }> {
  let root: string;
  try {
    root = (await git(resolve(options.repoDir), ['rev-parse', '--show-toplevel'])).trim();
  } catch (error) {
    throw new ValidationError(
      `--templates-repo ${options.repoDir} is not inside a Git repository: clone the templates repository (or git init one) and pass its directory`,
      { field: 'templates_repo' },
      { cause: error },
    );
  }
  const previous = await previousMigrations(root);
  const takenByOthers = new Set([...previous.values()].map((location) => location.path));
  const locations = new Map<string, TemplateLocation>();
  const outcomes: TemplateOutcome[] = [];
  const toWrite: { document: TemplateDocument; path: string }[] = [];
  const planned = new Set<string>();

  for (const document of [...options.documents].sort((a, b) => (a.sourceId < b.sourceId ? -1 : 1))) {
    const earlier = previous.get(document.sourceId);
    if (earlier) {
      locations.set(document.sourceId, earlier);
      outcomes.push({ source_id: document.sourceId, name: document.name, path: earlier.path, commit: earlier.version, status: 'unchanged' });
      continue;
    }
    const candidates = [`${document.slug}.yaml`, `${document.slug}-${document.sourceId.slice(0, 8)}.yaml`, `${document.slug}-${document.sourceId}.yaml`].map(
      (name) => `${TEMPLATES_DIR}/${name}`,
    );
    let path: string | undefined;
    for (const candidate of candidates) {
      if (planned.has(candidate) || takenByOthers.has(candidate)) continue;
      const existing = await readIfExists(join(root, candidate));
      // A file with exactly our content is ours, from a run that stopped before committing.
      if (existing === null || existing === document.yaml) {
        path = candidate;
        break;
      }
    }
    if (!path) throw new ValidationError(`No free file name for template ${document.sourceId} in ${join(root, TEMPLATES_DIR)}: ${candidates.join(', ')} are taken`, { field: 'templates_repo' });
    planned.add(path);
    toWrite.push({ document, path });
  }

  if (toWrite.length > 0 && !options.dryRun) {
    for (const { document, path } of toWrite) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), document.yaml, 'utf8');
    }
    const paths = toWrite.map(({ path }) => path);
    await git(root, ['add', '--', ...paths]);
    const message = [
      `Add ${toWrite.length} template(s) migrated from the work-engine prototype`,
      '',
      'Written by `exstate migrate`; each trailer maps a prototype template ID to its file.',
      '',
      ...toWrite.map(({ document, path }) => `${TRAILER}: ${document.sourceId} ${path}`),
    ].join('\n');
    await git(root, [
      '-c',
      `user.name=${options.author.name}`,
      '-c',
      `user.email=${options.author.email}`,
      '-c',
      'commit.gpgsign=false',
      'commit',
      '--allow-empty',
      '-m',
      message,
      '--',
      ...paths,
    ]);
    const commit = (await git(root, ['rev-parse', 'HEAD'])).trim();
    for (const { document, path } of toWrite) {
      locations.set(document.sourceId, { path, version: commit });
      outcomes.push({ source_id: document.sourceId, name: document.name, path, commit, status: 'committed' });
    }
  } else {
    for (const { document, path } of toWrite) {
      locations.set(document.sourceId, { path, version: UNCOMMITTED_VERSION });
      outcomes.push({ source_id: document.sourceId, name: document.name, path, commit: null, status: 'would_commit' });
    }
  }
  return { locations, outcomes };
}
