/** `exstate notifications …`: reminders and notices. */
import type { Notification } from '../../entities/index.js';
import type { Command } from 'commander';
import type { CliDeps } from '../deps.js';
import { printJson, printList } from '../format.js';
import { namesOf } from '../views.js';

export function registerNotificationCommands(program: Command, deps: CliDeps): void {
  const notifications = program.command('notifications').description('reminders and notices');
  notifications
    .command('due')
    .description('pending notifications that are due now, oldest first')
    .addOption(deps.jsonOption())
    .action(
      deps.action({}, async (options: { json?: boolean }) => {
        const { store } = deps.connect();
        const result = await store.notifications.listDue();
        const o = deps.output(options.json);
        if (o.json) return printJson(o, { now: new Date().toISOString(), items: result.items });
        const names = await namesOf(store, result.items.map((n) => n.recipient_id));
        printList<Notification>(o, `Due notifications: ${result.items.length}`, result.items, [
          { header: 'Notification', value: (n) => n.notification_id },
          { header: 'Kind', value: (n) => n.kind },
          { header: 'Due (UTC)', value: (n) => n.due_at },
          { header: 'Recipient', value: (n) => (n.recipient_id ? names.get(n.recipient_id) : 'everyone'), max: 24 },
          { header: 'Message', value: (n) => n.message, max: 40 },
        ]);
      }),
    );
}
