/**
 * Who may do what (ADR 0001, Permissions): the actor as the portal authenticated it, and the
 * role rules every service applies before it writes. That the actor still exists and is active
 * is checked inside each write's own transaction (write-items.ts, usersActive), not here.
 */
import { ForbiddenError } from '../errors.js';
import { checkEnum } from '../formats.js';
import { assertId } from '../ids.js';
import { USER_ROLES, type UserRole } from '../vocabulary.js';
import { checkInput } from './input.js';

/** The authenticated caller, as the portal established it. */
export interface Actor {
  user_id: string;
  role: UserRole;
}

/** The fields of an actor (for the input shapes of the calls that take one). */
export const ACTOR_SHAPE = { user_id: true, role: true } as const;

export function assertActor(actor: unknown): Actor {
  checkInput(actor, ACTOR_SHAPE, 'actor');
  return { user_id: assertId('user', actor.user_id, 'actor.user_id'), role: checkEnum(USER_ROLES, actor.role, 'actor.role') };
}

/** Viewers read; operators and admins write. */
export function assertCanMutate(actor: Actor, what: string): void {
  if (actor.role === 'viewer') {
    throw new ForbiddenError(`Viewers cannot ${what}: ask an operator or admin`, { actor_id: actor.user_id });
  }
}

/** Operators may change tasks assigned to them or unassigned; admins any task. */
export function assertCanChangeTask(actor: Actor, task: { task_id: string; assignee_id?: string }, what: string): void {
  assertCanMutate(actor, what);
  if (!canChangeTask(actor, task)) {
    throw new ForbiddenError(`Operators can only ${what} on tasks assigned to them or unassigned; ${task.task_id} is assigned to ${task.assignee_id}`, {
      task_id: task.task_id,
      actor_id: actor.user_id,
    });
  }
}

/** The rule of assertCanChangeTask as a predicate (for re-checking a task that changed since it was read). */
export function canChangeTask(actor: Actor, task: { assignee_id?: string }): boolean {
  return actor.role === 'admin' || (actor.role === 'operator' && (task.assignee_id === undefined || task.assignee_id === actor.user_id));
}

/** Operators assign work only to themselves (or nobody); admins to anyone. */
export function assertCanAssign(actor: Actor, assignee_id: string | undefined, what: string): void {
  if (actor.role === 'operator' && assignee_id !== undefined && assignee_id !== actor.user_id) {
    throw new ForbiddenError(`Operators can only ${what} themselves (or nobody); ask an admin to assign work to ${assignee_id}`, {
      field: 'assignee_id',
      actor_id: actor.user_id,
    });
  }
}

/** A bundle is archived by its owner or an admin. */
export function assertCanArchiveBundle(actor: Actor, bundle: { bundle_id: string; owner_id: string }): void {
  assertCanMutate(actor, 'archive bundles');
  if (actor.role !== 'admin' && bundle.owner_id !== actor.user_id) {
    throw new ForbiddenError(`Only the bundle's owner (${bundle.owner_id}) or an admin can archive bundle ${bundle.bundle_id}`, { bundle_id: bundle.bundle_id });
  }
}

/** Only its recipient dismisses a personal notification; anyone a broadcast (for themselves). */
export function assertCanDismiss(actor: Actor, notification: { notification_id: string; recipient_id?: string }): void {
  if (notification.recipient_id !== undefined && notification.recipient_id !== actor.user_id) {
    throw new ForbiddenError(`Notification ${notification.notification_id} is addressed to ${notification.recipient_id}; only its recipient can dismiss it`, {
      notification_id: notification.notification_id,
    });
  }
}
