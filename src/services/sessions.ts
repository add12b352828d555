/**
 * Server-side sessions. The caller gets a random token once; only its SHA-256 is stored, as
 * the session's key. Expired sessions resolve to null even before TTL deletes them.
 */
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { Session } from '../entities/index.js';
import { checkValue, integerRule } from '../formats.js';
import { assertId, sha256Hex } from '../ids.js';
import type { ServiceContext } from './context.js';
import { checkInput } from './input.js';
import { GO, translateError } from './store-errors.js';
import { getOrNull } from './reads.js';
import { runTransaction } from './transactions.js';
import { usersActive } from './write-items.js';

/** 32 random bytes, base64url: 43 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const MAX_SESSION_TTL_SECONDS = 30 * 24 * 3600;
const SESSION_TTL = integerRule('session_ttl_seconds', 60, MAX_SESSION_TTL_SECONDS);

const CREATE_SHAPE = { user_id: true, ttl_seconds: true } as const;

function sessionIdOf(token: unknown): string {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
    throw new ValidationError('token must be the 43-character session token returned by sessions.create', { field: 'token' });
  }
  return sha256Hex(token);
}

export function createSessionsService(ctx: ServiceContext) {
  const { entities } = ctx;
  return {
    /** Signs a user in: only an existing, active user gets a session (checked in the same transaction). */
    async create(input: { user_id: string; ttl_seconds: number }): Promise<{ token: string; session: Session }> {
      checkInput(input, CREATE_SHAPE, 'sessions.create');
      const user_id = assertId('user', input.user_id);
      const ttl = checkValue(SESSION_TTL, input.ttl_seconds, 'ttl_seconds');
      const token = randomBytes(32).toString('base64url');
      const now = ctx.now();
      const session: Session = {
        session_id: sha256Hex(token),
        user_id,
        created_at: now.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: Math.floor(now.getTime() / 1000) + ttl,
      };
      await runTransaction(ctx.service, (tx) => [{ commit: tx.session.create(session).commit() }, ...usersActive(ctx, tx, [{ user_id, field: 'user_id' }])]);
      return { token, session };
    },

    /** The live session for a token, or null when unknown, revoked or expired. */
    async resolve(token: string): Promise<Session | null> {
      const session_id = sessionIdOf(token);
      // Strongly consistent: a session revoked a moment ago must not resolve.
      const session = await getOrNull<Session>(ctx.service, entities.session, { session_id }, { consistent: true });
      if (!session) return null;
      return session.expires_at * 1000 > ctx.now().getTime() ? session : null;
    },

    async revoke(token: string): Promise<void> {
      const session_id = sessionIdOf(token);
      try {
        await entities.session.delete({ session_id }).go(GO);
      } catch (error) {
        throw translateError(error);
      }
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
