/**
 * File metadata (the bytes live in S3) and artifacts, both attached to a task and listed with
 * one Query on the by-task index.
 *
 * Attaching is a permission decision on the task as it was read (operators attach only to tasks
 * assigned to them or unassigned, ADR 0001), so the write carries it as a condition: the task
 * still exists and, for an operator, still has the assignee that was read. A reassignment
 * between the read and the write makes the write fail instead of slipping through.
 */
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { Artifact, FileRecord, Task } from '../entities/index.js';
import { CONTENT_TYPE, KIND, S3_BUCKET, SHA256_HEX, SIZE_BYTES, TEXT, checkEnum, checkTags, checkValue } from '../formats.js';
import { assertId, newId } from '../ids.js';
import { FILE_CATEGORIES, type FileCategory } from '../vocabulary.js';
import type { ServiceContext } from './context.js';
import { checkInput } from './input.js';
import { page, type Page, type PageOptions } from './paging.js';
import { ACTOR_SHAPE, assertActor, assertCanChangeTask, canChangeTask, type Actor } from './permissions.js';
import { getOrNull, readExisting } from './reads.js';
import { compact } from './records.js';
import { runTransaction, type TransactionEntities, type TransactionItem } from './transactions.js';
import { ACTOR_FIELD, referenceExists, usersActive } from './write-items.js';

export interface RegisterFileInput {
  task_id: string;
  storage_bucket: string;
  storage_key: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  category?: FileCategory;
  tags?: string[];
  bundle_id?: string;
  actor: Actor;
}

export interface CreateArtifactInput {
  task_id: string;
  kind: string;
  uri: string;
  bundle_id?: string;
  actor: Actor;
}

const REGISTER_SHAPE = {
  task_id: true,
  storage_bucket: true,
  storage_key: true,
  filename: true,
  content_type: true,
  size_bytes: true,
  sha256: true,
  category: true,
  tags: true,
  bundle_id: true,
  actor: ACTOR_SHAPE,
} as const satisfies Record<keyof RegisterFileInput, unknown>;
const ARTIFACT_SHAPE = { task_id: true, kind: true, uri: true, bundle_id: true, actor: ACTOR_SHAPE } as const satisfies Record<keyof CreateArtifactInput, unknown>;

interface Attachment {
  task: Task;
  /** The bundle the attachment goes under: the task's own, or an explicit one when the task has none. */
  bundle_id: string | undefined;
  /** The items that make the write conditional on what was read. */
  checks: (tx: TransactionEntities) => TransactionItem[];
}

/**
 * Reads the task a file or artifact is attached to and checks the actor may attach to it. An
 * explicit bundle is accepted only when the task has none (an attachment cannot show up in
 * another bundle than its task's).
 */
async function attachTo(ctx: ServiceContext, task_id: string, explicitBundle: string | undefined, actor: Actor, what: string): Promise<Attachment> {
  const task = await readExisting<Task>(ctx.service, ctx.entities.task, { task_id }, 'Task', 'task_id');
  assertCanChangeTask(actor, task, what);
  if (explicitBundle !== undefined && task.bundle_id !== undefined && explicitBundle !== task.bundle_id) {
    throw new ValidationError(`bundle_id ${explicitBundle} is not the bundle of task ${task_id} (${task.bundle_id}): leave bundle_id out to use the task's`, { field: 'bundle_id' });
  }
  return {
    task,
    bundle_id: explicitBundle ?? task.bundle_id,
    checks: (tx) => [
      taskAsRead(ctx, tx, task, actor, what),
      ...(explicitBundle ? [referenceExists(tx, 'bundle', explicitBundle, 'bundle_id')] : []),
      ...usersActive(ctx, tx, [{ user_id: actor.user_id, field: ACTOR_FIELD }]),
    ],
  };
}

/**
 * The task still exists and, when the permission depended on it (an operator), still has the
 * assignee that was read. On failure the task is read again to say what changed.
 */
function taskAsRead(ctx: ServiceContext, tx: TransactionEntities, task: Task, actor: Actor, what: string): TransactionItem {
  const assigneeMatters = actor.role !== 'admin';
  return {
    commit: tx.task
      .check({ task_id: task.task_id })
      .where((a, op) => {
        const exists = op.exists(a.task_id);
        if (!assigneeMatters) return exists;
        return `${exists} AND ${task.assignee_id === undefined ? op.notExists(a.assignee_id) : op.eq(a.assignee_id, task.assignee_id)}`;
      })
      .commit(),
    onFailed: async () => {
      const now = await getOrNull<Task>(ctx.service, ctx.entities.task, { task_id: task.task_id }, { consistent: true });
      if (!now) return new NotFoundError(`task_id ${task.task_id} does not exist: no task has this ID`, { field: 'task_id' });
      if (!canChangeTask(actor, now)) {
        return new ForbiddenError(
          `Task ${task.task_id} was reassigned to ${now.assignee_id} while you were working on it: operators can only ${what} on tasks assigned to them or unassigned`,
          { task_id: task.task_id, actor_id: actor.user_id },
        );
      }
      return new ConflictError(`Task ${task.task_id} changed while attaching to it: read it again and retry`, { task_id: task.task_id });
    },
  };
}

export function createFilesService(ctx: ServiceContext) {
  const { entities } = ctx;
  return {
    /** Records an uploaded file's metadata; bundle_id defaults to the task's bundle. */
    async register(input: RegisterFileInput): Promise<FileRecord> {
      checkInput(input, REGISTER_SHAPE, 'files.register');
      const actor = assertActor(input.actor);
      const task_id = assertId('task', input.task_id);
      const draft = {
        storage_bucket: checkValue(S3_BUCKET, input.storage_bucket, 'storage_bucket'),
        content_type: checkValue(CONTENT_TYPE, input.content_type, 'content_type'),
        sha256: checkValue(SHA256_HEX, input.sha256, 'sha256'),
        storage_key: checkValue(TEXT.storage_key, input.storage_key, 'storage_key'),
        filename: checkValue(TEXT.filename, input.filename, 'filename'),
        size_bytes: checkValue(SIZE_BYTES, input.size_bytes, 'size_bytes'),
        category: input.category === undefined ? ('document' as const) : checkEnum(FILE_CATEGORIES, input.category, 'category'),
        tags: checkTags(input.tags),
      };
      const explicitBundle = input.bundle_id == null ? undefined : assertId('bundle', input.bundle_id, 'bundle_id');
      const attachment = await attachTo(ctx, task_id, explicitBundle, actor, 'register files');
      const now = ctx.now();
      const at = now.toISOString();
      const file: FileRecord = compact({
        file_id: newId('file', now),
        task_id,
        bundle_id: attachment.bundle_id,
        ...draft,
        uploaded_by: actor.user_id,
        created_at: at,
        updated_at: at,
      });
      await runTransaction(ctx.service, (tx) => [{ commit: tx.file.create(file).commit() }, ...attachment.checks(tx)]);
      return file;
    },

    async listForTask(task_id: string, options?: PageOptions): Promise<Page<FileRecord>> {
      const id = assertId('task', task_id);
      return page(ctx.service, entities.file, { index: 'byTask', composite: { task_id: id } }, options) as Promise<Page<FileRecord>>;
    },
  };
}

export function createArtifactsService(ctx: ServiceContext) {
  const { entities } = ctx;
  return {
    async create(input: CreateArtifactInput): Promise<Artifact> {
      checkInput(input, ARTIFACT_SHAPE, 'artifacts.create');
      const actor = assertActor(input.actor);
      const task_id = assertId('task', input.task_id);
      const kind = checkValue(KIND, input.kind, 'kind');
      const uri = checkValue(TEXT.url, input.uri, 'uri');
      const explicitBundle = input.bundle_id == null ? undefined : assertId('bundle', input.bundle_id, 'bundle_id');
      const attachment = await attachTo(ctx, task_id, explicitBundle, actor, 'attach artifacts');
      const now = ctx.now();
      const at = now.toISOString();
      const artifact: Artifact = compact({
        artifact_id: newId('artifact', now),
        task_id,
        bundle_id: attachment.bundle_id,
        kind,
        uri,
        created_by: actor.user_id,
        created_at: at,
        updated_at: at,
      });
      await runTransaction(ctx.service, (tx) => [{ commit: tx.artifact.create(artifact).commit() }, ...attachment.checks(tx)]);
      return artifact;
    },

    async listForTask(task_id: string, options?: PageOptions): Promise<Page<Artifact>> {
      const id = assertId('task', task_id);
      return page(ctx.service, entities.artifact, { index: 'byTask', composite: { task_id: id } }, options) as Promise<Page<Artifact>>;
    },
  };
}

export type FilesService = ReturnType<typeof createFilesService>;
export type ArtifactsService = ReturnType<typeof createArtifactsService>;
