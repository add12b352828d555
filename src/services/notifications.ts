/**
 * Reminders and notices. Pending notifications sit in a sparse index by due time; a claim is a
 * conditional write (status must still be pending at the version read), so among concurrent
 * workers exactly one gets `true` and the item leaves the pending view.
 */
import { ConflictError, ExecutionStoreError, ForbiddenError, ValidationError } from '../errors.js';
import { assertId, newId } from '../ids.js';
import { type NotificationStatus } from '../vocabulary.js';
import type { ServiceContext } from './context.js';
import {
  GO,
  type Actor,
  type Page,
  type PageOptions,
  assertActor,
  assertInteger,
  assertKnownFields,
  assertObject,
  assertText,
  assertTimestamp,
  compact,
  page,
  write,
  readExisting,
  getOrNull,
} from './common.js';
import { mustExist, runTransaction, type TransactionItem } from './transactions.js';
import { TEXT_LIMITS } from '../formats.js';

export interface Notification {
  notification_id: string;
  recipient_id?: string;
  task_id?: string;
  bundle_id?: string;
  kind: string;
  message: string;
  due_at: string;
  status: NotificationStatus;
  claimed_by?: string;
  claimed_at?: string;
  sent_at?: string;
  dismissed_by: string[];
  expires_at?: number;
  created_at: string;
  updated_at: string;
  version: number;
}

function assertWorkerId(value: unknown): string {
  const worker = assertText(value, 'worker_id', 128);
  if (!/^[\w.:@/-]+$/.test(worker)) throw new ValidationError('worker_id may contain letters, digits and _ . : @ / - only', { field: 'worker_id' });
  return worker;
}

export function createNotificationsService(ctx: ServiceContext) {
  const { entities } = ctx;

  const read = (notification_id: string) =>
    readExisting<Notification>(entities.notification.get({ notification_id }), 'Notification', notification_id, 'notification_id');

  /**
   * Replaces the notification if nobody changed it since `current` was read; false when someone
   * did. One item, so one conditional put (not a transaction: half the write cost, and no
   * TransactionConflict between racing workers).
   */
  async function replace(current: Notification, next: Notification): Promise<boolean> {
    try {
      await write(() => entities.notification.put(compact(next)).where((a, op) => op.eq(a.version, current.version)).go(GO));
      return true;
    } catch (error) {
      if (error instanceof ExecutionStoreError && error.code === 'CONFLICT') return false;
      throw error;
    }
  }

  return {
    async create(input: {
      kind: string;
      message: string;
      due_at: string;
      recipient_id?: string;
      task_id?: string;
      bundle_id?: string;
      /** When DynamoDB may delete it (epoch seconds); default: 90 days after due_at. */
      expires_at?: number;
    }): Promise<Notification> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['kind', 'message', 'due_at', 'recipient_id', 'task_id', 'bundle_id', 'expires_at'], 'notifications.create');
      const kind = assertText(input.kind, 'kind', 64);
      if (!/^[a-z][a-z0-9_]{0,63}$/.test(kind)) throw new ValidationError('kind must be a snake_case word like task_due', { field: 'kind' });
      const due_at = assertTimestamp(input.due_at, 'due_at');
      const now = ctx.now();
      const at = now.toISOString();
      const notification: Notification = compact({
        notification_id: newId('notification', now),
        recipient_id: input.recipient_id == null ? undefined : assertId('user', input.recipient_id, 'recipient_id'),
        task_id: input.task_id == null ? undefined : assertId('task', input.task_id, 'task_id'),
        bundle_id: input.bundle_id == null ? undefined : assertId('bundle', input.bundle_id, 'bundle_id'),
        kind,
        message: assertText(input.message, 'message', TEXT_LIMITS.message),
        due_at,
        status: 'pending' as const,
        dismissed_by: [],
        expires_at:
          input.expires_at === undefined
            ? Math.floor(Math.max(Date.parse(due_at), now.getTime()) / 1000) + 90 * 24 * 3600
            : // TTL must not delete a notification before it is due.
              assertInteger(input.expires_at, 'expires_at', Math.floor(Math.max(Date.parse(due_at), now.getTime()) / 1000) + 1, 2 ** 31 * 2),
        created_at: at,
        updated_at: at,
        version: 1,
      });
      await runTransaction(ctx.service, (tx) => {
        const items: TransactionItem[] = [{ commit: tx.notification.create(notification).commit() }];
        if (notification.recipient_id) {
          items.push({ commit: tx.user.check({ user_id: notification.recipient_id }).where((a, op) => op.exists(a.user_id)).commit(), onFailed: mustExist('recipient_id', notification.recipient_id, 'user') });
        }
        if (notification.task_id) {
          items.push({ commit: tx.task.check({ task_id: notification.task_id }).where((a, op) => op.exists(a.task_id)).commit(), onFailed: mustExist('task_id', notification.task_id, 'task') });
        }
        if (notification.bundle_id) {
          items.push({ commit: tx.bundle.check({ bundle_id: notification.bundle_id }).where((a, op) => op.exists(a.bundle_id)).commit(), onFailed: mustExist('bundle_id', notification.bundle_id, 'bundle') });
        }
        return items;
      });
      return notification;
    },

    async get(notification_id: string): Promise<Notification | null> {
      return getOrNull<Notification>(entities.notification.get({ notification_id: assertId('notification', notification_id) }));
    },

    /** Pending notifications with due_at <= now, oldest first: one Query per page on the sparse index. */
    async listDue(options?: PageOptions): Promise<Page<Notification>> {
      const bound = new Date(ctx.now().getTime() + 1).toISOString();
      return page(entities.notification.query.pendingByDue({}).lt({ due_at: bound }), options) as Promise<Page<Notification>>;
    },

    /** A recipient's notifications by due time (broadcasts are in listDue / the team views). */
    async listForRecipient(recipient_id: string, options?: PageOptions): Promise<Page<Notification>> {
      const id = assertId('user', recipient_id, 'recipient_id');
      return page(entities.notification.query.byRecipient({ recipient_id: id }), options) as Promise<Page<Notification>>;
    },

    /** True for exactly one of several concurrent callers; false when already claimed, not pending or not due yet. */
    async claim(input: { notification_id: string; worker_id: string }): Promise<boolean> {
      assertObject(input, 'input');
      const notification_id = assertId('notification', input.notification_id);
      const worker_id = assertWorkerId(input.worker_id);
      // A lost race with a write that is not a claim (a user dismissing a broadcast) must not
      // leave the notification unclaimed: read again and retry while it is still pending.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const current = await read(notification_id);
        const now = ctx.now();
        if (current.status !== 'pending' || Date.parse(current.due_at) > now.getTime()) return false;
        const won = await replace(current, {
          ...current,
          status: 'claimed',
          claimed_by: worker_id,
          claimed_at: now.toISOString(),
          updated_at: now.toISOString(),
          version: current.version + 1,
        });
        if (won) return true;
      }
      return false;
    },

    /** Records delivery by the worker that holds the claim. */
    async markSent(input: { notification_id: string; worker_id: string }): Promise<Notification> {
      assertObject(input, 'input');
      const notification_id = assertId('notification', input.notification_id);
      const worker_id = assertWorkerId(input.worker_id);
      const current = await read(notification_id);
      if (current.status !== 'claimed' || current.claimed_by !== worker_id) {
        throw new ConflictError(`Notification ${notification_id} is ${current.status}${current.claimed_by ? ` (claimed by ${current.claimed_by})` : ''}: only the worker holding the claim can mark it sent`, {
          status: current.status,
        });
      }
      const at = ctx.now().toISOString();
      const next: Notification = { ...current, status: 'sent', sent_at: at, updated_at: at, version: current.version + 1 };
      if (!(await replace(current, next))) throw new ConflictError(`Notification ${notification_id} changed while marking it sent: read it again`);
      return next;
    },

    /**
     * Dismisses for the acting user only: a personal notification becomes `dismissed`; a
     * broadcast records the user in `dismissed_by` and stays visible to everyone else.
     */
    async dismiss(input: { notification_id: string; actor: Actor }): Promise<Notification> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['notification_id', 'actor'], 'notifications.dismiss');
      const notification_id = assertId('notification', input.notification_id);
      const actor = assertActor(input.actor);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const current = await read(notification_id);
        if (current.recipient_id !== undefined && current.recipient_id !== actor.user_id) {
          throw new ForbiddenError(`Notification ${notification_id} is addressed to ${current.recipient_id}; only its recipient can dismiss it`, { notification_id });
        }
        const at = ctx.now().toISOString();
        let next: Notification;
        if (current.recipient_id === undefined) {
          if (current.dismissed_by.includes(actor.user_id)) return current;
          next = { ...current, dismissed_by: [...current.dismissed_by, actor.user_id], updated_at: at, version: current.version + 1 };
        } else {
          if (current.status === 'dismissed') return current;
          next = { ...current, status: 'dismissed', updated_at: at, version: current.version + 1 };
        }
        // Several users may dismiss one broadcast at once: retry on a lost race, it is idempotent.
        if (await replace(current, next)) return next;
      }
      throw new ConflictError(`Notification ${notification_id} kept changing while dismissing it: retry`);
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
