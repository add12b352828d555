/**
 * File metadata (the bytes live in S3) and artifacts, both attached to a task and listed with
 * one Query on the by-task index.
 */
import { ValidationError } from '../errors.js';
import { assertId, newId } from '../ids.js';
import { FILE_CATEGORIES, type FileCategory } from '../vocabulary.js';
import type { ServiceContext } from './context.js';
import {
  type Actor,
  type Page,
  type PageOptions,
  assertActor,
  assertCanChangeTask,
  assertEnum,
  assertInteger,
  assertKnownFields,
  assertObject,
  assertTags,
  assertText,
  compact,
  page,
  readExisting,
} from './common.js';
import { mustExist, runTransaction, type TransactionEntities, type TransactionItem } from './transactions.js';
import type { Task } from './tasks.js';
import { TEXT_LIMITS } from '../formats.js';

export interface FileRecord {
  file_id: string;
  task_id: string;
  bundle_id?: string;
  storage_bucket: string;
  storage_key: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  category: FileCategory;
  tags: string[];
  uploaded_by: string;
  created_at: string;
  updated_at: string;
}

export interface Artifact {
  artifact_id: string;
  task_id: string;
  bundle_id?: string;
  kind: string;
  uri: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/**
 * The task a file or artifact is attached to, checked for the actor, and the bundle it goes
 * under: the task's own, or an explicit one only when the task has none (an attachment cannot
 * show up in another bundle than its task's).
 */
async function attachment(ctx: ServiceContext, task_id: string, explicitBundle: string | undefined, actor: Actor, what: string): Promise<{ task: Task; bundle_id: string | undefined }> {
  const task = await readExisting<Task>(ctx.entities.task.get({ task_id }), 'Task', task_id, 'task_id');
  assertCanChangeTask(actor, task, what);
  if (explicitBundle !== undefined && task.bundle_id !== undefined && explicitBundle !== task.bundle_id) {
    throw new ValidationError(`bundle_id ${explicitBundle} is not the bundle of task ${task_id} (${task.bundle_id}): leave bundle_id out to use the task's`, { field: 'bundle_id' });
  }
  return { task, bundle_id: explicitBundle ?? task.bundle_id };
}

/** Inside the write: the task still exists, and so does an explicitly given bundle. */
function attachmentChecks(tx: TransactionEntities, task_id: string, explicitBundle: string | undefined): TransactionItem[] {
  return [
    { commit: tx.task.check({ task_id }).where((a, op) => op.exists(a.task_id)).commit(), onFailed: mustExist('task_id', task_id, 'task') },
    ...(explicitBundle
      ? [{ commit: tx.bundle.check({ bundle_id: explicitBundle }).where((a, op) => op.exists(a.bundle_id)).commit(), onFailed: mustExist('bundle_id', explicitBundle, 'bundle') }]
      : []),
  ];
}

export function createFilesService(ctx: ServiceContext) {
  const { entities } = ctx;
  return {
    /** Records an uploaded file's metadata; bundle_id defaults to the task's bundle. */
    async register(input: {
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
    }): Promise<FileRecord> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, [
        'task_id', 'storage_bucket', 'storage_key', 'filename', 'content_type', 'size_bytes', 'sha256', 'category', 'tags', 'bundle_id', 'actor',
      ], 'files.register');
      const actor = assertActor(input.actor);
      const task_id = assertId('task', input.task_id);
      const bucket = assertText(input.storage_bucket, 'storage_bucket', 63);
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ValidationError('storage_bucket must be an S3 bucket name', { field: 'storage_bucket' });
      const contentType = assertText(input.content_type, 'content_type', 255);
      if (!/^[\w.+-]+\/[\w.+-]+$/.test(contentType)) throw new ValidationError('content_type must be a MIME type like application/pdf', { field: 'content_type' });
      const sha256 = assertText(input.sha256, 'sha256', 64);
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new ValidationError('sha256 must be 64 lower-case hex characters', { field: 'sha256' });
      const explicitBundle = input.bundle_id == null ? undefined : assertId('bundle', input.bundle_id, 'bundle_id');
      const draft = {
        storage_key: assertText(input.storage_key, 'storage_key', 1024),
        filename: assertText(input.filename, 'filename', 255),
        size_bytes: assertInteger(input.size_bytes, 'size_bytes', 0, Number.MAX_SAFE_INTEGER),
        category: input.category === undefined ? ('document' as const) : assertEnum(FILE_CATEGORIES, input.category, 'category'),
        tags: assertTags(input.tags),
      };
      const { bundle_id } = await attachment(ctx, task_id, explicitBundle, actor, 'register files');
      const now = ctx.now();
      const at = now.toISOString();
      const file: FileRecord = compact({
        file_id: newId('file', now),
        task_id,
        bundle_id,
        storage_bucket: bucket,
        content_type: contentType,
        sha256,
        ...draft,
        uploaded_by: actor.user_id,
        created_at: at,
        updated_at: at,
      });
      await runTransaction(ctx.service, (tx) => [{ commit: tx.file.create(file).commit() }, ...attachmentChecks(tx, task_id, explicitBundle)]);
      return file;
    },

    async listForTask(task_id: string, options?: PageOptions): Promise<Page<FileRecord>> {
      const id = assertId('task', task_id);
      return page(entities.file.query.byTask({ task_id: id }), options) as Promise<Page<FileRecord>>;
    },
  };
}

export function createArtifactsService(ctx: ServiceContext) {
  const { entities } = ctx;
  return {
    async create(input: { task_id: string; kind: string; uri: string; bundle_id?: string; actor: Actor }): Promise<Artifact> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['task_id', 'kind', 'uri', 'bundle_id', 'actor'], 'artifacts.create');
      const actor = assertActor(input.actor);
      const task_id = assertId('task', input.task_id);
      const kind = assertText(input.kind, 'kind', 64);
      if (!/^[a-z][a-z0-9_]{0,63}$/.test(kind)) throw new ValidationError('kind must be a snake_case word like generated_doc', { field: 'kind' });
      const uri = assertText(input.uri, 'uri', TEXT_LIMITS.url);
      const explicitBundle = input.bundle_id == null ? undefined : assertId('bundle', input.bundle_id, 'bundle_id');
      const { bundle_id } = await attachment(ctx, task_id, explicitBundle, actor, 'attach artifacts');
      const now = ctx.now();
      const at = now.toISOString();
      const artifact: Artifact = compact({
        artifact_id: newId('artifact', now),
        task_id,
        bundle_id,
        kind,
        uri,
        created_by: actor.user_id,
        created_at: at,
        updated_at: at,
      });
      await runTransaction(ctx.service, (tx) => [{ commit: tx.artifact.create(artifact).commit() }, ...attachmentChecks(tx, task_id, explicitBundle)]);
      return artifact;
    },

    async listForTask(task_id: string, options?: PageOptions): Promise<Page<Artifact>> {
      const id = assertId('task', task_id);
      return page(entities.artifact.query.byTask({ task_id: id }), options) as Promise<Page<Artifact>>;
    },
  };
}

export type FilesService = ReturnType<typeof createFilesService>;
export type ArtifactsService = ReturnType<typeof createArtifactsService>;
