/** Lookups and columns shared by the view commands (tasks, schedules, notifications). */
import type { User, Task } from '../entities/index.js';
import { isId } from '../ids.js';
import { NotFoundError } from '../errors.js';
import type { ExecutionStore } from '../store.js';
import type { Column } from './format.js';

/** The user behind --assignee: a user ID, or an e-mail address (already in its stored spelling). */
export async function resolveUser(store: ExecutionStore, ref: string): Promise<User> {
  if (isId('user', ref)) {
    const user = await store.users.get(ref);
    if (!user) throw new NotFoundError(`No user with ID ${ref}.`, { user_id: ref });
    return user;
  }
  const user = await store.users.getByEmail(ref);
  if (!user) throw new NotFoundError(`No user with e-mail ${ref}.`, { email: ref });
  return user;
}

/** Display names of the given users, for tables (one GetItem per distinct user). */
export async function namesOf(store: ExecutionStore, ids: Iterable<string | undefined>): Promise<Map<string, string>> {
  const unique = [...new Set([...ids].filter((id): id is string => typeof id === 'string'))];
  const users = await Promise.all(unique.map((id) => store.users.get(id)));
  return new Map(unique.map((id, i) => [id, users[i] ? `${users[i]!.display_name}` : id]));
}

export function taskColumns(names: Map<string, string>, options: { assignee?: boolean } = {}): Column<Task>[] {
  return [
    { header: 'Task', value: (t) => t.task_id },
    { header: 'Title', value: (t) => t.title, max: 40 },
    { header: 'Status', value: (t) => t.status },
    { header: 'Due', value: (t) => t.due_date },
    ...(options.assignee === false ? [] : [{ header: 'Assignee', value: (t: Task) => (t.assignee_id ? names.get(t.assignee_id) ?? t.assignee_id : ''), max: 24 }]),
    { header: 'Bundle', value: (t) => t.bundle_id },
  ];
}

export function userLabel(user: User): string {
  return `${user.display_name} <${user.email}>`;
}

export function publicUser(user: User) {
  return { user_id: user.user_id, email: user.email, display_name: user.display_name, timezone: user.timezone };
}
