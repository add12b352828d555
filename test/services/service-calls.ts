/**
 * Random service calls for property tests: a small world of users (an admin, an operator, a
 * viewer, a disabled user and the ID of a user that does not exist) and the items the calls
 * create, and an arbitrary of calls in which any actor or named user may be one that must not
 * act or be named. Reusable: the bad-actor property test runs them against DynamoDB Local; the
 * export round trip can run the same sequences and then export, validate and import.
 */
import fc from 'fast-check';
import { TASK_STATUSES, newId, type Actor, type ExecutionStore, type TaskStatus, type User } from '../../src/index.js';

/** Who acts, or who is named (assignee, owner, recipient, session user). */
export const WHO = ['admin', 'operator', 'viewer', 'disabled', 'ghost'] as const;
export type Who = (typeof WHO)[number];

/** Users that must never act or be named by a write that succeeds. */
export const INACTIVE: readonly Who[] = ['disabled', 'ghost'];

export const CALLS = [
  'tasks.create',
  'tasks.update',
  'tasks.transition',
  'bundles.create',
  'bundles.archive',
  'bundles.instantiateTemplate',
  'schedules.create',
  'files.register',
  'artifacts.create',
  'notifications.create',
  'notifications.dismiss',
  'notifications.claim',
  'sessions.create',
] as const;
export type CallName = (typeof CALLS)[number];

/** Calls that take no actor (their only user is the named one, if any). */
const WITHOUT_ACTOR: readonly CallName[] = ['notifications.create', 'notifications.claim', 'sessions.create'];
/** Calls that name a user besides the actor. */
const NAMING: readonly CallName[] = ['tasks.create', 'bundles.create', 'bundles.instantiateTemplate', 'schedules.create', 'notifications.create', 'sessions.create'];

export interface CallSpec {
  call: CallName;
  /** The actor. */
  actor: Who;
  /** The user the call names (assignee, owner, recipient, session user), where it names one. */
  named: Who;
  /** Which existing item the call targets (modulo the items of its kind). */
  pick: number;
  to: TaskStatus;
}

export interface World {
  store: ExecutionStore;
  users: Record<Exclude<Who, 'ghost'>, User>;
  /** A well-formed user ID that no user has. */
  ghost: string;
  tasks: string[];
  bundles: string[];
  notifications: string[];
}

export const callSpec: fc.Arbitrary<CallSpec> = fc.record({
  call: fc.constantFrom(...CALLS),
  actor: fc.constantFrom(...WHO),
  named: fc.constantFrom(...WHO),
  pick: fc.nat(),
  to: fc.constantFrom(...TASK_STATUSES),
});

/** True when the call has an actor or names a user that must not act or be named: it must fail and write nothing. */
export function involvesInactiveUser(spec: CallSpec): boolean {
  const actorCounts = !WITHOUT_ACTOR.includes(spec.call);
  return (actorCounts && INACTIVE.includes(spec.actor)) || (NAMING.includes(spec.call) && INACTIVE.includes(spec.named));
}

export function describeCall(spec: CallSpec): string {
  const parts: string[] = [spec.call];
  if (!WITHOUT_ACTOR.includes(spec.call)) parts.push(`by ${spec.actor}`);
  if (NAMING.includes(spec.call)) parts.push(`naming ${spec.named}`);
  return parts.join(' ');
}

/** Creates the users and a first task, bundle and notification. Users are disabled as an administrator would: past the services. */
export async function createWorld(store: ExecutionStore, tag: string): Promise<World> {
  const make = (role: User['role'], name: string) => store.users.create({ email: `${name}-${tag}@calls.example.org`, display_name: name, role, timezone: 'UTC' });
  const [admin, operator, viewer, disabled] = await Promise.all([make('admin', 'admin'), make('operator', 'operator'), make('viewer', 'viewer'), make('admin', 'disabled')]);
  await store.service.entities.user.patch({ user_id: disabled!.user_id }).set({ status: 'disabled', version: 2 }).go();
  const world: World = { store, users: { admin: admin!, operator: operator!, viewer: viewer!, disabled: disabled! }, ghost: newId('user'), tasks: [], bundles: [], notifications: [] };
  const actor = actorOf(world, 'admin');
  world.bundles.push((await store.bundles.create({ title: 'First bundle', owner_id: admin!.user_id, actor })).bundle_id);
  world.tasks.push((await store.tasks.create({ title: 'First task', bundle_id: world.bundles[0], actor })).task_id);
  world.notifications.push((await store.notifications.create({ kind: 'announcement', message: 'All', due_at: new Date(0).toISOString() })).notification_id);
  return world;
}

export function userIdOf(world: World, who: Who): string {
  return who === 'ghost' ? world.ghost : world.users[who].user_id;
}

export function actorOf(world: World, who: Who): Actor {
  return who === 'ghost' ? { user_id: world.ghost, role: 'admin' } : { user_id: world.users[who].user_id, role: world.users[who].role };
}

const pickFrom = (items: string[], pick: number) => items[pick % items.length]!;

/** Runs one call; on success records what it created in the world. */
export async function runCall(world: World, spec: CallSpec): Promise<unknown> {
  const { store } = world;
  const actor = actorOf(world, spec.actor);
  const named = userIdOf(world, spec.named);
  const task_id = pickFrom(world.tasks, spec.pick);
  switch (spec.call) {
    case 'tasks.create': {
      const task = await store.tasks.create({ title: 'Generated', assignee_id: named, actor });
      world.tasks.push(task.task_id);
      return task;
    }
    case 'tasks.update': {
      const version = (await store.tasks.get(task_id))?.version ?? 1;
      return store.tasks.update({ task_id, changes: { comment: `by ${spec.actor}` }, expected_version: version, actor });
    }
    case 'tasks.transition':
      return store.tasks.transition({ task_id, to: spec.to, actor });
    case 'bundles.create': {
      const bundle = await store.bundles.create({ title: 'Generated', owner_id: named, actor });
      world.bundles.push(bundle.bundle_id);
      return bundle;
    }
    case 'bundles.archive':
      return store.bundles.archive({ bundle_id: pickFrom(world.bundles, spec.pick), actor });
    case 'bundles.instantiateTemplate': {
      const result = await store.bundles.instantiateTemplate({
        template: { template_id: 'templates/generated.yaml', template_version: 'abcdef1', tasks: [{ ref: 'a', title: 'A', offset_days: 0, assignee_id: named }] },
        title: 'Generated',
        owner_id: userIdOf(world, 'admin'),
        anchor_date: '2026-07-01',
        actor,
      });
      world.bundles.push(result.bundle.bundle_id);
      world.tasks.push(...result.tasks.map((task) => task.task_id));
      return result;
    }
    case 'schedules.create':
      return store.schedules.create({ title: 'Generated', cron: '0 9 * * 1', time_zone: 'UTC', assignee_id: named, actor });
    case 'files.register':
      return store.files.register({ task_id, storage_bucket: 'dataops-files', storage_key: 'k', filename: 'f.pdf', content_type: 'application/pdf', size_bytes: 1, sha256: 'ab'.repeat(32), actor });
    case 'artifacts.create':
      return store.artifacts.create({ task_id, kind: 'doc', uri: 'https://x.example.org', actor });
    case 'notifications.create': {
      const notification = await store.notifications.create({ kind: 'task_due', message: 'Generated', due_at: new Date(0).toISOString(), recipient_id: named });
      world.notifications.push(notification.notification_id);
      return notification;
    }
    case 'notifications.dismiss':
      return store.notifications.dismiss({ notification_id: pickFrom(world.notifications, spec.pick), actor });
    case 'notifications.claim':
      return store.notifications.claim({ notification_id: pickFrom(world.notifications, spec.pick), worker_id: 'generated-worker' });
    case 'sessions.create':
      return store.sessions.create({ user_id: named, ttl_seconds: 3600 });
  }
}
