/**
 * The enumerations of the execution-state model, as plain data. Entities, services, the export
 * registry and the Postgres DDL all read them from here.
 */

export const USER_ROLES = ['admin', 'operator', 'viewer'] as const;
export const USER_STATUSES = ['active', 'disabled'] as const;

export const BUNDLE_STAGES = ['preparation', 'announced', 'after_event', 'done'] as const;
export const BUNDLE_STATUSES = ['active', 'archived'] as const;

export const TASK_STATUSES = ['todo', 'in_progress', 'waiting', 'done', 'cancelled', 'archived'] as const;
export const OPEN_TASK_STATUSES = ['todo', 'in_progress', 'waiting'] as const;
export const TASK_SOURCES = ['manual', 'template', 'recurring', 'telegram', 'email'] as const;

export const FILE_CATEGORIES = ['image', 'invoice', 'document'] as const;

export const NOTIFICATION_STATUSES = ['pending', 'claimed', 'sent', 'dismissed', 'cancelled'] as const;

export const ASSISTANT_JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;

/** The entities an audit event can be about (ElectroDB entity names, singular). */
export const AUDITED_ENTITY_TYPES = [
  'user',
  'bundle',
  'template_instance',
  'task',
  'task_transition',
  'recurring_schedule',
  'file',
  'notification',
  'artifact',
  'assistant_job',
] as const;

export type UserRole = (typeof USER_ROLES)[number];
export type UserStatus = (typeof USER_STATUSES)[number];
export type BundleStage = (typeof BUNDLE_STAGES)[number];
export type BundleStatus = (typeof BUNDLE_STATUSES)[number];
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type OpenTaskStatus = (typeof OPEN_TASK_STATUSES)[number];
export type TaskSource = (typeof TASK_SOURCES)[number];
export type FileCategory = (typeof FILE_CATEGORIES)[number];
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];
export type AssistantJobStatus = (typeof ASSISTANT_JOB_STATUSES)[number];
export type AuditedEntityType = (typeof AUDITED_ENTITY_TYPES)[number];

export function isOpenTaskStatus(status: unknown): status is OpenTaskStatus {
  return (OPEN_TASK_STATUSES as readonly unknown[]).includes(status);
}

/** Length limits for free text: far below DynamoDB's 400 KB item limit, generous for people. */
export const TEXT_LIMITS = {
  title: 200,
  description: 10_000,
  message: 2_000,
  note: 2_000,
  comment: 5_000,
  short: 200,
  url: 2_048,
  tag: 64,
  tags: 50,
  links: 50,
  email: 254,
  emoji: 16,
} as const;
