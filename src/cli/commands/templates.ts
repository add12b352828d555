/**
 * Git-backed templates from the command line (ADR 0005):
 *
 *   exstate templates validate <path…>       every problem of every file, offline
 *   exstate bundles instantiate --template …  a bundle from a template as committed in Git
 *   exstate templates show <instance id>      the template text an instance was made from, and its tasks now
 */
import type { Task } from '../../entities/index.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { isId } from '../../ids.js';
import { MILESTONE_TAG } from '../../services/bundles.js';
import type { ExecutionStore } from '../../store.js';
import type { TemplateFinding } from '../../templates/index.js';
import { ExecutionStoreError, NotFoundError } from '../../errors.js';
import { calendarDateArg, userRefArg } from '../args.js';
import type { CliDeps } from '../deps.js';
import { resolveUser } from '../views.js';
import { plural, printJson, printList, renderFields, type Output } from '../format.js';


/** The template library (yaml, ajv), loaded only by these commands: the others start without it. */
const library = () => import('../../templates/index.js');

function templateInstanceId(value: string): string {
  if (isId('template_instance', value.trim())) return value.trim();
  throw new InvalidArgumentError('expected a template instance ID like tpi_01J9Z8Q4X6V7W8Y9Z0A1B2C3D4.');
}

function nonBlank(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected some text.');
  return value;
}

/** E-mail addresses of the given users, for tables (one GetItem per distinct user): templates name people by e-mail. */
async function emailsOf(store: ExecutionStore, ids: Iterable<string | undefined>): Promise<Map<string, string>> {
  const unique = [...new Set([...ids].filter((id): id is string => typeof id === 'string'))];
  const users = await Promise.all(unique.map((id) => store.users.get(id)));
  return new Map(unique.map((id, i) => [id, users[i]?.email ?? id]));
}

/** Tasks in the template's order (task_refs), any others after them. */
function inTemplateOrder(tasks: readonly Task[], refs: readonly string[]): Task[] {
  const position = new Map(refs.map((ref, i) => [ref, i]));
  const rank = (task: Task) => position.get(task.template_task_ref ?? '') ?? refs.length;
  return [...tasks].sort((a, b) => rank(a) - rank(b) || a.task_id.localeCompare(b.task_id));
}

function printTasks(o: Output, heading: string, tasks: readonly Task[], emails: Map<string, string>, withStatus: boolean): void {
  printList(o, heading, tasks, [
    { header: 'Ref', value: (t) => t.template_task_ref, max: 24 },
    { header: 'Task', value: (t) => t.task_id },
    { header: 'Title', value: (t) => t.title, max: 40 },
    { header: 'Due', value: (t) => t.due_date },
    ...(withStatus ? [{ header: 'Status', value: (t: Task) => t.status }] : []),
    { header: 'Assignee', value: (t) => (t.assignee_id ? emails.get(t.assignee_id) ?? t.assignee_id : ''), max: 28 },
    { header: 'Milestone', value: (t) => (t.tags.includes(MILESTONE_TAG) ? 'yes' : '') },
  ]);
}

/** The `templates` commands and `bundles instantiate`. */
export function registerTemplateCommands(program: Command, deps: CliDeps): void {
  const open = () => deps.connect();
  const out = (json: boolean | undefined) => deps.output(json);
  const jsonOption = () => deps.jsonOption();
  const templates = program.command('templates').description('Git-backed templates: check template files, show the template an instance was made from');

  templates
    .command('validate')
    .description('check template files against the template format: every error of every file, with file:line and key path (a directory: every *.yaml/*.yml in it)')
    .argument('<paths...>', 'template files or directories')
    .addOption(jsonOption())
    .action(async (paths: string[], options: { json?: boolean }) => {
      const { validateTemplatePaths, formatFinding } = await library();
      const result = validateTemplatePaths(paths);
      const o = out(options.json);
      const invalid = result.files.filter((file) => !file.ok).length;
      if (o.json) {
        printJson(o, { ok: result.ok, files: result.files, total_findings: result.findings.length, items: result.findings });
      } else {
        const byFile = new Map<string, TemplateFinding[]>();
        for (const finding of result.findings) byFile.set(finding.file, [...(byFile.get(finding.file) ?? []), finding]);
        for (const file of result.files) {
          if (file.ok) o.write(`ok       ${file.file}  (${file.name}, ${plural(file.tasks ?? 0, 'task')})`);
          else for (const finding of byFile.get(file.file) ?? []) o.write(`${formatFinding(finding)}  [${finding.code}]`);
        }
        o.write(
          result.ok
            ? `${plural(result.files.length, 'template file')}, all valid.`
            : `${plural(result.files.length, 'template file')}: ${invalid} invalid, ${plural(result.findings.length, 'error')}.`,
        );
      }
      if (!result.ok) throw new ExecutionStoreError('VALIDATION', `${invalid} of ${plural(result.files.length, 'template file')} invalid (${plural(result.findings.length, 'error')}).`, { field: 'paths' });
    });

  templates
    .command('show')
    .description('the template exactly as it was at the commit an instance recorded (git show <sha>:<path>), then the tasks it produced and their status now')
    .argument('<template-instance-id>', 'template instance ID (tpi_…)', templateInstanceId)
    .option('--repo <dir>', 'a clone of the repository the template came from (default: the one containing the current directory)')
    .addOption(jsonOption())
    .action(async (id: string, options: { repo?: string; json?: boolean }) => {
      const { readFileAtCommit, repositoryRoot } = await library();
      const { store } = open();
      const instance = await store.bundles.getTemplateInstance(id);
      if (!instance) throw new NotFoundError(`No template instance has the ID ${id}.`, { template_instance_id: id });
      const root = await repositoryRoot(options.repo ?? process.cwd());
      const text = (await readFileAtCommit(root, instance.template_version, instance.template_id)).toString('utf8');
      const detail = await store.bundles.getWithTasks(instance.bundle_id);
      const tasks = inTemplateOrder(detail.tasks.filter((task) => task.template_instance_id === instance.template_instance_id), instance.task_refs);
      const o = out(options.json);
      if (o.json) {
        return printJson(o, { template_instance: instance, repository: root, template: { path: instance.template_id, commit: instance.template_version, text }, bundle: detail.bundle, items: tasks });
      }
      const emails = await emailsOf(store, [instance.instantiated_by, ...tasks.map((t) => t.assignee_id)]);
      const b = detail.bundle;
      o.write(`Template instance ${instance.template_instance_id}: ${instance.template_id} at commit ${instance.template_version}`);
      o.write(
        renderFields([
          ['repository', root],
          ['bundle', `${b.bundle_id} "${b.title}" (${b.status}, stage ${b.stage})`],
          ['anchor date', instance.anchor_date],
          ['instantiated', `${instance.instantiated_at} by ${emails.get(instance.instantiated_by) ?? instance.instantiated_by}`],
        ]),
      );
      o.write('');
      o.write(`----- ${instance.template_id} at ${instance.template_version.slice(0, 12)} (git show ${instance.template_version}:${instance.template_id}) -----`);
      o.write(text);
      o.write('----- end of template -----');
      o.write('');
      printTasks(o, `The ${plural(tasks.length, 'task')} it produced, now:`, tasks, emails, true);
    });

  const bundles = program.commands.find((command) => command.name() === 'bundles') ?? program.command('bundles').description('workflow bundles');
  bundles
    .command('instantiate')
    .description('create a bundle and its tasks from a template as committed in Git (refused when the file is untracked or differs from HEAD); records the file\'s path and the commit SHA')
    .requiredOption('--template <file>', 'template file in a Git checkout (e.g. of the process-knowledge repository)')
    .requiredOption('--title <text>', "the bundle's title", nonBlank)
    .requiredOption('--anchor-date <date>', 'the day offset_days count from (YYYY-MM-DD), e.g. the event day', calendarDateArg('--anchor-date'))
    .requiredOption('--owner <user>', "the bundle's owner: user ID or e-mail address", userRefArg('--owner'))
    .addOption(new Option('--as <user>', 'who instantiates it, with their role\'s permissions (default: the owner)').argParser(userRefArg('--as')))
    .addOption(jsonOption())
    .action(async (options: { template: string; title: string; anchorDate: string; owner: string; as?: string; json?: boolean }) => {
      const { instantiateCommittedTemplate, readCommittedTemplate } = await library();
      // Git and the file first: a template that is not committed (or not valid) never reaches the store.
      const committed = await readCommittedTemplate(options.template);
      const { store } = open();
      const owner = await resolveUser(store, options.owner);
      const acting = options.as === undefined ? owner : await resolveUser(store, options.as);
      const result = await instantiateCommittedTemplate(store, committed, {
        title: options.title,
        anchor_date: options.anchorDate,
        owner_id: owner.user_id,
        actor: { user_id: acting.user_id, role: acting.role },
      });
      const o = out(options.json);
      if (o.json) return printJson(o, { bundle: result.bundle, template_instance: result.template_instance, repository: committed.root, items: result.tasks });
      const { bundle, template_instance: instance } = result;
      const emails = await emailsOf(store, result.tasks.map((t) => t.assignee_id));
      o.write(`Created bundle ${bundle.bundle_id} "${bundle.title}" from ${instance.template_id} at commit ${instance.template_version.slice(0, 12)} (template instance ${instance.template_instance_id}), anchor date ${instance.anchor_date}, owner ${owner.email}.`);
      printTasks(o, `${plural(result.tasks.length, 'task')}:`, result.tasks, emails, false);
      o.write(`The template text it was made from: npx exstate templates show ${instance.template_instance_id} --repo ${committed.root}`);
    });
}
