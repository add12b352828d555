/**
 * The template part of `npm start`: the whole path from Git text to runtime state. An example
 * template is committed to a throwaway Git repository under .local/ and instantiated through the
 * same code as `exstate bundles instantiate`, once per template version: a later start finds the
 * bundle it made. Commits use a fixed identity and date, so they work on a machine with no Git
 * configuration and the same text always gets the same SHA.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Bundle, TemplateInstance } from '../services/bundles.js';
import type { ExecutionStore } from '../store.js';
import { runGit } from '../templates/git.js';
import { instantiateCommittedTemplate, readCommittedTemplate } from '../templates/instantiate.js';

export interface DemoTemplateOptions {
  /** The example template to commit, e.g. examples/templates/meetup.yaml. */
  source: string;
  /** The throwaway repository, e.g. .local/template-repo. */
  repoDir: string;
  /** The template's path inside that repository. */
  path: string;
  /** The bundle's owner (and who instantiates it): the demo data's admin. */
  ownerEmail: string;
  anchorDate: string;
  /** The table was empty before the fixture was loaded: there is no earlier demo bundle to look for. */
  freshTable?: boolean;
}

export interface DemoTemplate {
  repository: string;
  template_id: string;
  template_version: string;
  bundle: Bundle;
  template_instance: TemplateInstance;
  tasks: number;
  /** False when a previous start had made it already. */
  created: boolean;
}

const IDENTITY = ['-c', 'user.name=exstate demo', '-c', 'user.email=demo@example.org', '-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null'];
const FIXED_DATE = { GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' };

async function git(cwd: string, args: string[]): Promise<string> {
  const result = await runGit(cwd, [...IDENTITY, ...args], { env: FIXED_DATE });
  if (result.code !== 0) throw new ConfigError(`git ${args[0]} failed in ${cwd}: ${result.stderr.split('\n')[0]}`);
  return result.stdout.toString('utf8').trim();
}

/** Commits `source` as `path` in the repository (created if missing) unless HEAD already has exactly that text. */
async function commitExample(options: DemoTemplateOptions): Promise<void> {
  const { repoDir, path } = options;
  mkdirSync(repoDir, { recursive: true });
  if (!existsSync(join(repoDir, '.git'))) await git(repoDir, ['-c', 'init.defaultBranch=main', 'init', '-q']);
  const text = readFileSync(options.source);
  const target = join(repoDir, path);
  mkdirSync(dirname(target), { recursive: true });
  if (!existsSync(target) || !readFileSync(target).equals(text)) writeFileSync(target, text);
  if ((await git(repoDir, ['status', '--porcelain', '--', path])) !== '') {
    await git(repoDir, ['add', '--', path]);
    await git(repoDir, ['commit', '-q', '-m', `${path}: the example template, for the npm start demo`]);
  }
}

/** The demo bundle: found when this template version was instantiated before, created otherwise. */
export async function ensureDemoTemplateBundle(store: ExecutionStore, options: DemoTemplateOptions): Promise<DemoTemplate> {
  await commitExample(options);
  const committed = await readCommittedTemplate(join(options.repoDir, options.path));
  const found = { repository: committed.root, template_id: committed.template_id, template_version: committed.template_version };
  for (const bundle of options.freshTable ? [] : (await store.bundles.listActive()).items) {
    if (!bundle.template_instance_id) continue;
    const instance = await store.bundles.getTemplateInstance(bundle.template_instance_id);
    if (instance?.template_id === committed.template_id && instance.template_version === committed.template_version) {
      return { ...found, bundle, template_instance: instance, tasks: instance.task_refs.length, created: false };
    }
  }
  const owner = await store.users.getByEmail(options.ownerEmail);
  if (!owner) throw new ConfigError(`the demo template's owner ${options.ownerEmail} is not in this table`);
  const result = await instantiateCommittedTemplate(store, committed, {
    title: `${committed.template.name} (from Git)`,
    anchor_date: options.anchorDate,
    owner_id: owner.user_id,
    actor: { user_id: owner.user_id, role: owner.role },
  });
  return { ...found, bundle: result.bundle, template_instance: result.template_instance, tasks: result.tasks.length, created: true };
}

/** The demo for `npm start`, which must come up without it: a failure (no git, say) is a reason to print instead. */
export async function demoTemplateOrReason(store: ExecutionStore, options: DemoTemplateOptions): Promise<DemoTemplate | { skipped: string }> {
  try {
    return await ensureDemoTemplateBundle(store, options);
  } catch (error) {
    return { skipped: (error as Error).message };
  }
}
