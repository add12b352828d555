/** `exstate schedules …`: recurring schedules. */
import type { RecurringSchedule } from '../../entities/index.js';
import type { Command } from 'commander';
import { integerArg, ruleOption } from '../args.js';
import type { CliDeps } from '../deps.js';
import { plural, printJson, printList } from '../format.js';
import { namesOf } from '../views.js';

export function registerScheduleCommands(program: Command, deps: CliDeps): void {
  const schedules = program.command('schedules').description('recurring schedules');
  schedules
    .command('due')
    .description('enabled schedules whose next run is due now or within the next minutes')
    .addOption(ruleOption('--within <minutes>', 'look this many minutes ahead', integerArg(0, 60 * 24 * 366)).default(60))
    .addOption(deps.jsonOption())
    .action(
      deps.action({ within_minutes: '--within' }, async (options: { within: number; json?: boolean }) => {
        const { store } = deps.connect();
        const result = await store.schedules.listDueSoon({ within_minutes: options.within });
        const o = deps.output(options.json);
        if (o.json) return printJson(o, { within_minutes: options.within, now: new Date().toISOString(), items: result.items });
        const names = await namesOf(store, result.items.map((s) => s.assignee_id));
        printList<RecurringSchedule>(o, `Schedules due within ${plural(options.within, 'minute')}: ${result.items.length}`, result.items, [
          { header: 'Schedule', value: (s) => s.schedule_id },
          { header: 'Title', value: (s) => s.title, max: 36 },
          { header: 'Cron', value: (s) => s.cron },
          { header: 'Time zone', value: (s) => s.time_zone },
          { header: 'Next run (UTC)', value: (s) => s.next_run_at },
          { header: 'Assignee', value: (s) => (s.assignee_id ? names.get(s.assignee_id) : ''), max: 24 },
        ]);
      }),
    );
}
