/**
 * Reminders and notices. Pending notifications sit in a sparse index by due time.
 *
 * Every write after creation is a single-item conditional update that touches only its own
 * attributes, never a transaction and never a full-item put (ADR 0001, Notifications):
 * - a claim sets the claim attributes on condition that the version read is still current (and
 *   the notification pending), so among concurrent workers exactly one gets `true`;
 * - a broadcast dismissal appends the user to `dismissed_by` on condition that they are not in
 *   it yet; it neither reads nor bumps the version, so it never makes a claim (or another
 *   dismissal) fail, however many users dismiss at once;
 * - status changes (claim, sent, a personal dismissal) bump the version.
 * Because no notification write is a transaction, a claim never meets a transaction lock on the
 * item either. The acting user of a dismissal is therefore checked by a strongly consistent
 * read just before the update (users are never deleted, so an existing user stays existing).
 */
import { ConflictError } from '../errors.js';
import type { Notification } from '../entities/index.js';
import { KIND, MAX_EPOCH_SECONDS, TEXT, TIMESTAMP, WORKER_ID, checkValue, integerRule } from '../formats.js';
import { assertId, newId } from '../ids.js';
import type { NotificationStatus } from '../vocabulary.js';
import type { ServiceContext } from './context.js';
import { checkInput } from './input.js';
import { page, type Page, type PageOptions } from './paging.js';
import { ACTOR_SHAPE, assertActor, assertCanDismiss, type Actor } from './permissions.js';
import { getOrNull, readExisting } from './reads.js';
import { compact } from './records.js';
import { GO, conditionFailed, translateError } from './store-errors.js';
import { runTransaction, type TransactionItem } from './transactions.js';
import { ACTOR_FIELD, assertUserActive, referenceExists, usersActive } from './write-items.js';

export interface CreateNotificationInput {
  kind: string;
  message: string;
  due_at: string;
  recipient_id?: string;
  task_id?: string;
  bundle_id?: string;
  /** When DynamoDB may delete it (epoch seconds); default: 90 days after due_at. */
  expires_at?: number;
}

/** Why a claim did or did not go to the caller. */
export type ClaimOutcome =
  | { claimed: true }
  /** Another worker holds (or held) the claim. */
  | { claimed: false; reason: 'claimed_by_another'; status: NotificationStatus; claimed_by?: string }
  /** Nobody can claim it: dismissed or cancelled (or already claimed by this same worker). */
  | { claimed: false; reason: 'not_pending'; status: NotificationStatus }
  /** Pending but not due yet. */
  | { claimed: false; reason: 'not_due'; status: NotificationStatus };

const CREATE_SHAPE = {
  kind: true,
  message: true,
  due_at: true,
  recipient_id: true,
  task_id: true,
  bundle_id: true,
  expires_at: true,
} as const satisfies Record<keyof CreateNotificationInput, true>;
const WORKER_SHAPE = { notification_id: true, worker_id: true } as const;
const DISMISS_SHAPE = { notification_id: true, actor: ACTOR_SHAPE } as const;

/** How long a notification is kept after it is due, by default. */
const DEFAULT_RETENTION_SECONDS = 90 * 24 * 3600;

export function createNotificationsService(ctx: ServiceContext) {
  const { entities } = ctx;

  const read = (notification_id: string) =>
    readExisting<Notification>(ctx.service, entities.notification, { notification_id }, 'Notification', 'notification_id');

  /**
   * A status change (claim, sent, personal dismissal): sets `changes` and the next version on
   * condition that the version read is still current. `due_at` is set to its own value so that
   * ElectroDB recomputes the sparse pending view from the new status. The updated notification,
   * or null when the condition failed.
   */
  async function changeStatus(current: Notification, changes: Partial<Notification> & { status: NotificationStatus }, at: string): Promise<Notification | null> {
    try {
      const { data } = await entities.notification
        .patch({ notification_id: current.notification_id })
        .set({ ...changes, due_at: current.due_at, updated_at: at, version: current.version + 1 })
        .where((a, op) => op.eq(a.version, current.version))
        .go({ ...GO, response: 'all_new' });
      return data as Notification;
    } catch (error) {
      if (conditionFailed(error)) return null;
      throw translateError(error);
    }
  }

  async function tryClaim(input: { notification_id: string; worker_id: string }): Promise<ClaimOutcome> {
    checkInput(input, WORKER_SHAPE, 'notifications.claim');
    const notification_id = assertId('notification', input.notification_id);
    const worker_id = checkValue(WORKER_ID, input.worker_id, 'worker_id');
    // Only status changes bump the version, so a failed condition means another status change
    // won; the next read says which. Bounded, in case a personal dismissal races too.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const current = await read(notification_id);
      const now = ctx.now();
      if (current.status !== 'pending') {
        return current.claimed_by !== undefined && current.claimed_by !== worker_id
          ? { claimed: false, reason: 'claimed_by_another', status: current.status, claimed_by: current.claimed_by }
          : { claimed: false, reason: 'not_pending', status: current.status };
      }
      if (Date.parse(current.due_at) > now.getTime()) return { claimed: false, reason: 'not_due', status: current.status };
      const at = now.toISOString();
      if (await changeStatus(current, { status: 'claimed', claimed_by: worker_id, claimed_at: at }, at)) return { claimed: true };
    }
    const last = await read(notification_id);
    return { claimed: false, reason: 'claimed_by_another', status: last.status, claimed_by: last.claimed_by };
  }

  return {
    async create(input: CreateNotificationInput): Promise<Notification> {
      checkInput(input, CREATE_SHAPE, 'notifications.create');
      const kind = checkValue(KIND, input.kind, 'kind');
      const due_at = checkValue(TIMESTAMP, input.due_at, 'due_at');
      const now = ctx.now();
      const at = now.toISOString();
      // TTL must not delete a notification before it is due.
      const earliestExpiry = Math.floor(Math.max(Date.parse(due_at), now.getTime()) / 1000) + 1;
      const notification: Notification = compact({
        notification_id: newId('notification', now),
        recipient_id: input.recipient_id == null ? undefined : assertId('user', input.recipient_id, 'recipient_id'),
        task_id: input.task_id == null ? undefined : assertId('task', input.task_id, 'task_id'),
        bundle_id: input.bundle_id == null ? undefined : assertId('bundle', input.bundle_id, 'bundle_id'),
        kind,
        message: checkValue(TEXT.message, input.message, 'message'),
        due_at,
        status: 'pending' as const,
        dismissed_by: [],
        expires_at:
          input.expires_at === undefined
            ? earliestExpiry - 1 + DEFAULT_RETENTION_SECONDS
            : checkValue(integerRule('expires_at', earliestExpiry, MAX_EPOCH_SECONDS), input.expires_at, 'expires_at'),
        created_at: at,
        updated_at: at,
        version: 1,
      });
      await runTransaction(ctx.service, (tx) => {
        const items: TransactionItem[] = [{ commit: tx.notification.create(notification).commit() }];
        if (notification.recipient_id) items.push(...usersActive(ctx, tx, [{ user_id: notification.recipient_id, field: 'recipient_id' }]));
        if (notification.task_id) items.push(referenceExists(tx, 'task', notification.task_id, 'task_id'));
        if (notification.bundle_id) items.push(referenceExists(tx, 'bundle', notification.bundle_id, 'bundle_id'));
        return items;
      });
      return notification;
    },

    async get(notification_id: string): Promise<Notification | null> {
      return getOrNull<Notification>(ctx.service, entities.notification, { notification_id: assertId('notification', notification_id) });
    },

    /** Pending notifications with due_at <= now, oldest first: one Query per page on the sparse index. */
    async listDue(options?: PageOptions): Promise<Page<Notification>> {
      const bound = new Date(ctx.now().getTime() + 1).toISOString();
      return page(ctx.service, entities.notification, { index: 'pendingByDue', composite: {}, lt: { due_at: bound } }, options) as Promise<Page<Notification>>;
    },

    /** A recipient's notifications by due time (broadcasts are in listDue / the team views). */
    async listForRecipient(recipient_id: string, options?: PageOptions): Promise<Page<Notification>> {
      const id = assertId('user', recipient_id, 'recipient_id');
      return page(ctx.service, entities.notification, { index: 'byRecipient', composite: { recipient_id: id } }, options) as Promise<Page<Notification>>;
    },

    /** True for exactly one of several concurrent callers while the notification is pending and due; false otherwise. */
    async claim(input: { notification_id: string; worker_id: string }): Promise<boolean> {
      return (await tryClaim(input)).claimed;
    },

    /** Like claim, but says why a claim did not go to the caller (the scheduler counts only real losses as lost). */
    tryClaim,

    /** Records delivery by the worker that holds the claim. */
    async markSent(input: { notification_id: string; worker_id: string }): Promise<Notification> {
      checkInput(input, WORKER_SHAPE, 'notifications.markSent');
      const notification_id = assertId('notification', input.notification_id);
      const worker_id = checkValue(WORKER_ID, input.worker_id, 'worker_id');
      const current = await read(notification_id);
      if (current.status !== 'claimed' || current.claimed_by !== worker_id) {
        throw new ConflictError(`Notification ${notification_id} is ${current.status}${current.claimed_by ? ` (claimed by ${current.claimed_by})` : ''}: only the worker holding the claim can mark it sent`, {
          status: current.status,
        });
      }
      const at = ctx.now().toISOString();
      const sent = await changeStatus(current, { status: 'sent', sent_at: at }, at);
      if (!sent) throw new ConflictError(`Notification ${notification_id} changed while marking it sent: read it again`);
      return sent;
    },

    /**
     * Dismisses for the acting user only: a personal notification becomes `dismissed` (its
     * recipient only); a broadcast records the user in `dismissed_by` and stays visible to
     * everyone else. Idempotent. A broadcast dismissal contends with nothing: any number of users
     * can dismiss at once while workers claim it.
     */
    async dismiss(input: { notification_id: string; actor: Actor }): Promise<Notification> {
      checkInput(input, DISMISS_SHAPE, 'notifications.dismiss');
      const notification_id = assertId('notification', input.notification_id);
      const actor = assertActor(input.actor);
      let current = await read(notification_id);
      assertCanDismiss(actor, current);
      // The actor is checked by a read, not in a transaction: see the module comment.
      await assertUserActive(ctx, actor.user_id, ACTOR_FIELD);
      const at = ctx.now().toISOString();
      if (current.recipient_id === undefined) {
        if (current.dismissed_by.includes(actor.user_id)) return current;
        try {
          const { data } = await entities.notification
            .patch({ notification_id })
            .append({ dismissed_by: [actor.user_id] })
            .set({ updated_at: at })
            .where((a, op) => `${op.notExists(a.recipient_id)} AND ${op.notContains(a.dismissed_by, actor.user_id)}`)
            .go({ ...GO, response: 'all_new' });
          return data as Notification;
        } catch (error) {
          // The same user dismissed it a moment ago (another tab): that is the outcome asked for.
          if (conditionFailed(error)) return read(notification_id);
          throw translateError(error);
        }
      }
      // A personal dismissal is a status change; it may race a claim (retry: it is idempotent).
      for (let attempt = 0; attempt < 3; attempt += 1) {
        if (current.status === 'dismissed') return current;
        const dismissed = await changeStatus(current, { status: 'dismissed' }, at);
        if (dismissed) return dismissed;
        current = await read(notification_id);
      }
      throw new ConflictError(`Notification ${notification_id} kept changing while dismissing it: retry`);
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;

