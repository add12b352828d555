/**
 * Operators. E-mail addresses are unique: the user and its `user_email` claim are written in
 * one transaction, and the claim's `attribute_not_exists` condition rejects a second owner.
 */
import { ConflictError, NotFoundError } from '../errors.js';
import type { User } from '../entities/index.js';
import { TEXT, checkEmail, checkEnum, checkTimeZone, checkValue } from '../formats.js';
import { assertId, newId } from '../ids.js';
import { USER_ROLES, type UserRole } from '../vocabulary.js';
import type { ServiceContext } from './context.js';
import { checkInput } from './input.js';
import { getOrNull } from './reads.js';
import { page } from './paging.js';
import { runTransaction } from './transactions.js';

export interface CreateUserInput {
  email: string;
  display_name: string;
  role: UserRole;
  timezone: string;
}

const CREATE_SHAPE = { email: true, display_name: true, role: true, timezone: true } as const satisfies Record<keyof CreateUserInput, true>;

export function createUsersService(ctx: ServiceContext) {
  const { entities } = ctx;

  return {
    async create(input: CreateUserInput): Promise<User> {
      checkInput(input, CREATE_SHAPE, 'users.create');
      const now = ctx.now();
      const at = now.toISOString();
      const user: User = {
        user_id: newId('user', now),
        email: checkEmail(input.email, 'email'),
        display_name: checkValue(TEXT.short, input.display_name, 'display_name'),
        role: checkEnum(USER_ROLES, input.role, 'role'),
        timezone: checkTimeZone(input.timezone, 'timezone'),
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
      return getOrNull<User>(ctx.service, entities.user, { user_id: assertId('user', user_id) });
    },

    /** Like get, but a missing user is a NOT_FOUND error. */
    async require(user_id: string): Promise<User> {
      const user = await this.get(user_id);
      if (!user) throw new NotFoundError(`User ${user_id} does not exist`, { field: 'user_id' });
      return user;
    },

    /** Case-insensitive: one Query on the e-mail index. */
    async getByEmail(email: string): Promise<User | null> {
      const normalized = checkEmail(email, 'email');
      const { items } = await page<User>(ctx.service, entities.user, { index: 'byEmail', composite: { email: normalized } }, { limit: 1 });
      return items[0] ?? null;
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;

