/**
 * The task status machine (ADR 0001 documents it). `archived` is final; `done` and `cancelled`
 * can be reopened to `todo` or archived; the open statuses move freely among themselves and to
 * `done` or `cancelled`.
 */
import type { TaskStatus } from '../vocabulary.js';

export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  todo: ['in_progress', 'waiting', 'done', 'cancelled'],
  in_progress: ['todo', 'waiting', 'done', 'cancelled'],
  waiting: ['todo', 'in_progress', 'done', 'cancelled'],
  done: ['todo', 'archived'],
  cancelled: ['todo', 'archived'],
  archived: [],
};

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return TASK_TRANSITIONS[from].includes(to);
}
