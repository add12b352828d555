/**
 * The template part of `npm start`: the whole path from Git text to runtime state. An example
 * template is committed to a throwaway Git repository under .local/ and instantiated through the
 * same code as `exstate bundles instantiate`, once per template version: a later start finds the
 * bundle it made. Commits use a fixed identity and date, so they work on a machine with no Git
 * configuration and the same text always gets the same SHA.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../errors.js';
import type { Bundle, TemplateInstance } from '../entities/index.js';
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
  const command = args.find((arg) => !arg.startsWith('-') && !arg.includes('='));
  if (result.code !== 0) throw new ConfigError(`git ${command} failed in ${cwd}: ${(result.stderr || result.stdout.toString('utf8').trim()).split('\n')[0]}`);
  return result.stdout.toString('utf8').trim();
}

/** Commits `source` as `path` in `repo` unless HEAD already has exactly that text. */
async function commitIfChanged(repo: string, options: DemoTemplateOptions): Promise<void> {
  const text = readFileSync(options.source);
  const target = join(repo, options.path);
  mkdirSync(dirname(target), { recursive: true });
  if (!existsSync(target) || !readFileSync(target).equals(text)) writeFileSync(target, text);
  if ((await git(repo, ['status', '--porcelain', '--', options.path])) !== '') {
    await git(repo, ['add', '--', options.path]);
    await git(repo, ['commit', '-q', '-m', `${options.path}: the example template, for the npm start demo`]);
  }
}

/**
 * The throwaway repository with the example committed. Two starts at once (two test workers, say)
 * must not trip over each other: a new repository is built aside and renamed into place (the
 * loser uses the winner's: same text, identity and date, so the same commit), and a commit that
 * loses a race for Git's index lock is retried.
 */
async function commitExample(options: DemoTemplateOptions): Promise<void> {
  const { repoDir } = options;
  if (!existsSync(join(repoDir, '.git'))) {
    // Never run git in a directory that is not its own repository: git would find the checkout around it.
    if (existsSync(repoDir) && readdirSync(repoDir).length > 0) throw new ConfigError(`${repoDir} exists but is not a Git repository: remove it`);
    const staging = `${repoDir}.${process.pid}-${randomBytes(4).toString('hex')}`;
    mkdirSync(staging, { recursive: true });
    try {
      await git(staging, ['-c', 'init.defaultBranch=main', 'init', '-q']);
      await commitIfChanged(staging, options);
      renameSync(staging, repoDir);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(repoDir, '.git'))) throw error;
    }
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await commitIfChanged(repoDir, options);
    } catch (error) {
      if (attempt === 3) throw error;
      await sleep(200 * attempt);
    }
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
