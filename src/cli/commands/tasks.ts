/** `exstate tasks …`: an operator's day, overdue, upcoming, a bundle's tasks, a task's history. */
import type { TaskTransition } from '../../entities/index.js';
import type { Command } from 'commander';
import { NotFoundError } from '../../errors.js';
import { calendarDateArg, idArg, integerArg, ruleOption, timeZoneArg, userRefArg } from '../args.js';
import type { CliDeps } from '../deps.js';
import { plural, printJson, printList } from '../format.js';
import { namesOf, publicUser, resolveUser, taskColumns, userLabel } from '../views.js';

export function registerTaskCommands(program: Command, deps: CliDeps): void {
  const tasks = program.command('tasks').description("task views: an operator's day, overdue, upcoming, a bundle's tasks, a task's history");

  tasks
    .command('today')
    .description("open tasks due today for an operator (today in the operator's time zone unless --tz)")
    .addOption(ruleOption('--assignee <user>', 'user ID or e-mail address', userRefArg).makeOptionMandatory())
    .addOption(ruleOption('--tz <zone>', 'IANA time zone for "today" (default: the operator\'s)', timeZoneArg))
    .addOption(deps.jsonOption())
    .action(
      deps.action({ assignee_id: '--assignee', time_zone: '--tz' }, async (options: { assignee: string; tz?: string; json?: boolean }) => {
        const { store } = deps.connect();
        const user = await resolveUser(store, options.assignee);
        const zone = options.tz ?? user.timezone;
        const result = await store.tasks.listToday({ assignee_id: user.user_id, time_zone: zone });
        const o = deps.output(options.json);
        if (o.json) return printJson(o, { assignee: publicUser(user), today: result.today, time_zone: zone, items: result.items });
        printList(o, `Due today (${result.today}, ${zone}) for ${userLabel(user)}: ${plural(result.items.length, 'open task')}`, result.items, taskColumns(new Map(), { assignee: false }));
      }),
    );

  tasks
    .command('overdue')
    .description("open tasks due before today: one operator's, or the whole team's")
    .addOption(ruleOption('--assignee <user>', 'user ID or e-mail address (default: whole team)', userRefArg))
    .addOption(ruleOption('--tz <zone>', 'IANA time zone for "today" (default: the operator\'s, or UTC for the whole team)', timeZoneArg))
    .addOption(ruleOption('--today <date>', 'take this date as today (YYYY-MM-DD)', calendarDateArg))
    .addOption(deps.jsonOption())
    .action(
      deps.action({ assignee_id: '--assignee', time_zone: '--tz', today: '--today' }, async (options: { assignee?: string; tz?: string; today?: string; json?: boolean }) => {
        const { store } = deps.connect();
        const user = options.assignee ? await resolveUser(store, options.assignee) : undefined;
        // The store decides "today": in --tz, else the operator's own zone, else UTC for the team.
        const result = await store.tasks.listOverdue({ today: options.today, time_zone: options.tz, ...(user ? { assignee_id: user.user_id } : {}) });
        const { today } = result;
        const o = deps.output(options.json);
        if (o.json) return printJson(o, { assignee: user ? publicUser(user) : null, today, items: result.items });
        const names = await namesOf(store, result.items.map((t) => t.assignee_id));
        printList(o, `Overdue before ${today} (${user ? userLabel(user) : 'whole team'}): ${plural(result.items.length, 'open task')}`, result.items, taskColumns(names, { assignee: !user }));
      }),
    );

  tasks
    .command('upcoming')
    .description('open tasks of an operator due in the next days, starting today')
    .addOption(ruleOption('--assignee <user>', 'user ID or e-mail address', userRefArg).makeOptionMandatory())
    .addOption(ruleOption('--days <n>', 'how many days, today included', integerArg(1, 366)).default(7))
    .addOption(ruleOption('--from <date>', "first day (default: today in the operator's time zone)", calendarDateArg))
    .addOption(ruleOption('--tz <zone>', 'IANA time zone for "today" (default: the operator\'s)', timeZoneArg))
    .addOption(deps.jsonOption())
    .action(
      deps.action({ assignee_id: '--assignee', days: '--days', from: '--from', time_zone: '--tz' }, async (options: { assignee: string; days: number; from?: string; tz?: string; json?: boolean }) => {
        const { store } = deps.connect();
        const user = await resolveUser(store, options.assignee);
        const result = await store.tasks.listUpcoming({ assignee_id: user.user_id, from: options.from, time_zone: options.tz, days: options.days });
        const { from } = result;
        const o = deps.output(options.json);
        if (o.json) return printJson(o, { assignee: publicUser(user), from, days: options.days, items: result.items });
        printList(o, `Upcoming for ${userLabel(user)}, ${plural(options.days, 'day')} from ${from}: ${plural(result.items.length, 'open task')}`, result.items, taskColumns(new Map(), { assignee: false }));
      }),
    );

  tasks
    .command('by-bundle')
    .description("a bundle's tasks (with its files and artifacts), from one query")
    .argument('<bundle-id>', 'bundle ID (bdl_…)', idArg('bundle')('<bundle-id>'))
    .addOption(deps.jsonOption())
    .action(
      deps.action({ bundle_id: '<bundle-id>' }, async (bundleId: string, options: { json?: boolean }) => {
        const { store } = deps.connect();
        const detail = await store.bundles.getWithTasks(bundleId);
        const o = deps.output(options.json);
        if (o.json) {
          return printJson(o, { bundle: detail.bundle, items: detail.tasks, files: detail.files, artifacts: detail.artifacts, template_instance: detail.template_instance });
        }
        const names = await namesOf(store, detail.tasks.map((t) => t.assignee_id));
        const b = detail.bundle;
        printList(
          o,
          `Bundle ${b.bundle_id} "${b.title}" (${b.status}, stage ${b.stage}): ${plural(detail.tasks.length, 'task')}, ${plural(detail.files.length, 'file')}, ${plural(detail.artifacts.length, 'artifact')}`,
          detail.tasks,
          taskColumns(names).filter((c) => c.header !== 'Bundle'),
        );
      }),
    );

  tasks
    .command('history')
    .description("a task's status changes, oldest first")
    .argument('<task-id>', 'task ID (tsk_…)', idArg('task')('<task-id>'))
    .addOption(deps.jsonOption())
    .action(
      deps.action({ task_id: '<task-id>' }, async (taskId: string, options: { json?: boolean }) => {
        const { store } = deps.connect();
        const [task, history] = await Promise.all([store.tasks.get(taskId), store.tasks.history(taskId)]);
        if (!task) throw new NotFoundError(`Task ${taskId} does not exist.`, { task_id: taskId });
        const o = deps.output(options.json);
        if (o.json) return printJson(o, { task, items: history.items });
        const names = await namesOf(store, history.items.map((t) => t.actor_id));
        printList<TaskTransition>(o, `History of ${task.task_id} "${task.title}" (now ${task.status}, version ${task.version}): ${plural(history.items.length, 'change')}`, history.items, [
          { header: 'At', value: (t) => t.at },
          { header: 'From', value: (t) => t.from_status },
          { header: 'To', value: (t) => t.to_status },
          { header: 'By', value: (t) => names.get(t.actor_id) ?? t.actor_id, max: 24 },
          { header: 'Note', value: (t) => t.note, max: 40 },
        ]);
      }),
    );
}
