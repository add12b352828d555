/**
 * Building records to write: absent fields left out, and the one factory of a new task, used
 * by every path that creates tasks (tasks.create, template instantiation, schedule
 * materialization), so a new task's defaults are decided in one place.
 */
import type { Task } from '../entities/index.js';
import { newId } from '../ids.js';

/** Drops undefined values, so a put never sees them (and an absent field stays absent). */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** What a caller decides about a new task; the factory sets identity, status, timestamps and version. */
export type NewTaskFields = Pick<Task, 'title' | 'source' | 'created_by'> &
  Partial<Omit<Task, 'task_id' | 'status' | 'completed_at' | 'created_at' | 'updated_at' | 'version' | 'title' | 'source' | 'created_by'>>;

/** A new task (status todo, version 1), created at `now`. */
export function newTaskRecord(fields: NewTaskFields, now: Date): Task {
  const at = now.toISOString();
  return {
    task_id: newId('task', now),
    status: 'todo',
    requires_file: false,
    tags: [],
    ...compact(fields),
    created_at: at,
    updated_at: at,
    version: 1,
  };
}
