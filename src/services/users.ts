/**
 * Operators. E-mail addresses are unique: the user and its `user_email` claim are written in
 * one transaction, and the claim's `attribute_not_exists` condition rejects a second owner.
 */
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { assertId, newId } from '../ids.js';
import { USER_ROLES, type UserRole, type UserStatus } from '../vocabulary.js';
import type { ServiceContext } from './context.js';
import { GO, assertEnum, assertKnownFields, assertObject, assertText, assertTimeZone, translateError, getOrNull } from './common.js';
import { runTransaction } from './transactions.js';
import { TEXT_LIMITS } from '../formats.js';

export interface User {
  user_id: string;
  email: string;
  display_name: string;
  role: UserRole;
  timezone: string;
  status: UserStatus;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface CreateUserInput {
  email: string;
  display_name: string;
  role: UserRole;
  timezone: string;
}

export function normalizeEmail(value: unknown, field = 'email'): string {
  const email = assertText(value, field, TEXT_LIMITS.email).trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new ValidationError(`${field} must be an e-mail address like ada@example.org; got ${JSON.stringify(value)}`, { field });
  }
  return email;
}

export function createUsersService(ctx: ServiceContext) {
  const { entities } = ctx;

  return {
    async create(input: CreateUserInput): Promise<User> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['email', 'display_name', 'role', 'timezone'], 'users.create');
      const at = ctx.now().toISOString();
      const user: User = {
        user_id: newId('user', ctx.now()),
        email: normalizeEmail(input.email),
        display_name: assertText(input.display_name, 'display_name', TEXT_LIMITS.short),
        role: assertEnum(USER_ROLES, input.role, 'role'),
        timezone: assertTimeZone(input.timezone, 'timezone'),
        status: 'active',
        created_at: at,
        updated_at: at,
        version: 1,
      };
      await runTransaction(ctx.service, (tx) => [
        { commit: tx.user.create(user).commit() },
        {
          commit: tx.user_email.create({ email: user.email, user_id: user.user_id, created_at: at }).commit(),
          onFailed: () => new ConflictError(`A user with e-mail ${user.email} already exists`, { field: 'email' }),
        },
      ]);
      return user;
    },

    async get(user_id: string): Promise<User | null> {
      return getOrNull<User>(entities.user.get({ user_id: assertId('user', user_id) }));
    },

    /** Like get, but a missing user is a NOT_FOUND error. */
    async require(user_id: string): Promise<User> {
      const user = await this.get(user_id);
      if (!user) throw new NotFoundError(`User ${user_id} does not exist`, { field: 'user_id' });
      return user;
    },

    /** Case-insensitive: one Query on the e-mail index. */
    async getByEmail(email: string): Promise<User | null> {
      const normalized = normalizeEmail(email);
      try {
        const { data } = await entities.user.query.byEmail({ email: normalized }).go({ ...GO, limit: 1, pages: 1 });
        return (data[0] as User | undefined) ?? null;
      } catch (error) {
        throw translateError(error);
      }
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
