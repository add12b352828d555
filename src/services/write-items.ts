/**
 * The transaction items every service builds, written once: "a referenced item exists", "the
 * users a write names exist and are active", and "replace this item if it is still at the
 * version that was read". Each says which typed error its failed condition means.
 */
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { ServiceContext } from './context.js';
import type { User } from '../entities/index.js';
import { getOrNull } from './reads.js';
import { compact } from './records.js';
import type { TransactionEntities, TransactionItem } from './transactions.js';

/** The field of an actor in error details. */
export const ACTOR_FIELD = 'actor.user_id';

/** A task or bundle the write refers to exists (ConditionCheck attribute_exists). */
export function referenceExists(tx: TransactionEntities, kind: 'task' | 'bundle', id: string, field: string): TransactionItem {
  const commit =
    kind === 'task'
      ? tx.task.check({ task_id: id }).where((a, op) => op.exists(a.task_id)).commit()
      : tx.bundle.check({ bundle_id: id }).where((a, op) => op.exists(a.bundle_id)).commit();
  return { commit, onFailed: () => new NotFoundError(`${field} ${id} does not exist: no ${kind} has this ID`, { field }) };
}

/** A user a write names: its actor (field ACTOR_FIELD) or a reference (assignee_id, owner_id, recipient_id, …). */
export interface UserReference {
  user_id: string;
  field: string;
}

/**
 * Every user the write names exists and is active, checked inside the write's transaction (a
 * ConditionCheck `status = active` on the user item), so a user that does not exist or is
 * disabled can neither act nor be assigned, own or receive anything. One check per distinct
 * user (a transaction cannot touch an item twice); the first field naming a user is reported.
 */
export function usersActive(ctx: ServiceContext, tx: TransactionEntities, references: readonly (UserReference | undefined)[]): TransactionItem[] {
  const first = new Map<string, string>();
  for (const reference of references) if (reference && !first.has(reference.user_id)) first.set(reference.user_id, reference.field);
  return [...first].map(([user_id, field]) => ({
    commit: tx.user
      .check({ user_id })
      .where((a, op) => op.eq(a.status, 'active'))
      .commit(),
    onFailed: () => explainInactiveUser(ctx, user_id, field),
  }));
}

/** Why a user check failed: read the user (this failure path only) to tell a missing user from a disabled one. */
async function explainInactiveUser(ctx: ServiceContext, user_id: string, field: string) {
  return inactiveUserError(user_id, field, await readUser(ctx, user_id)) ?? new ConflictError(`User ${user_id} changed while this write ran: retry`, { field, user_id });
}

/**
 * The same rule as usersActive, checked by a strongly consistent read, for the paths where no
 * write can carry it: a call that turns out to change nothing (archiving an archived bundle),
 * and notification writes, which stay single-item updates (see notifications.ts).
 */
export async function assertUserActive(ctx: ServiceContext, user_id: string, field: string): Promise<void> {
  const error = inactiveUserError(user_id, field, await readUser(ctx, user_id));
  if (error) throw error;
}

function readUser(ctx: ServiceContext, user_id: string) {
  return getOrNull<User>(ctx.service, ctx.entities.user, { user_id }, { consistent: true });
}

/** NOT_FOUND for a missing user, FORBIDDEN for a disabled one, undefined for an active one. */
function inactiveUserError(user_id: string, field: string, user: { status: string } | null) {
  const acting = field === ACTOR_FIELD;
  if (!user) {
    return new NotFoundError(
      acting ? `The acting user ${user_id} does not exist: no user has this ID` : `${field} ${user_id} does not exist: no user has this ID`,
      { field, user_id },
    );
  }
  if (user.status !== 'active') {
    return new ForbiddenError(
      acting
        ? `User ${user_id} is ${user.status}: a ${user.status} user cannot make changes`
        : `${field} ${user_id} is a ${user.status} user: only active users can be assigned work, own bundles or receive notifications`,
      { field, user_id, status: user.status },
    );
  }
  return undefined;
}

/** Entities that a versioned put can target, as a transaction's callback receives them. */
type VersionedEntityName = 'task' | 'bundle' | 'recurring_schedule';

/**
 * The put that replaces `current` with `next` on condition that nobody changed it since it was
 * read (the stored version is still `current.version`); CONFLICT otherwise. Full-item puts keep
 * every hidden index attribute right (ADR 0001).
 */
export function versionedPut<N extends VersionedEntityName>(
  tx: TransactionEntities,
  entity: N,
  current: { version: number },
  next: Parameters<TransactionEntities[N]['put']>[0],
  described: { what: string; id: string },
): TransactionItem {
  const target = tx[entity] as unknown as {
    put(item: unknown): { where(condition: (attributes: { version: unknown }, operations: { eq(attribute: unknown, value: unknown): string }) => string): { commit(): unknown } };
  };
  return {
    commit: target
      .put(compact(next as object))
      .where((a, op) => op.eq(a.version, current.version))
      .commit(),
    onFailed: () =>
      new ConflictError(`${described.what} ${described.id} changed since version ${current.version} was read: read it again and retry`, {
        expected_version: current.version,
      }),
  };
}
