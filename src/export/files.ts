/**
 * The file access of export, validation and import, in one place so that every failure of the
 * machine is one typed error naming the path and the cause (fileSystemError: DISK_FULL,
 * PERMISSION_DENIED, READ_ONLY_FILESYSTEM, PATH_NOT_FOUND), and so that tests can replace the
 * operations that touch the disk to simulate a full disk, a read-only mount or a denied path
 * deterministically (tests run as root, where chmod denies nothing).
 */
import { createReadStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { fileSystemError } from '../errors.js';

/** A file being written. */
export interface WritableFile {
  write(chunk: Uint8Array): Promise<unknown>;
  close(): Promise<void>;
}

/** The operations that read or write file contents (everything else is metadata: stat, readdir, rm). */
export interface ExportFiles {
  /** Creates a new file for writing; fails when it exists (an export never overwrites a file it did not list). */
  create(path: string): Promise<WritableFile>;
  /** The file's bytes, streamed. */
  read(path: string): AsyncIterable<Uint8Array>;
  /** Creates a directory and its parents. */
  mkdir(path: string): Promise<void>;
}

export const NODE_FILES: ExportFiles = {
  create: async (path) => open(path, 'wx'),
  read: (path) => createReadStream(path, { highWaterMark: 1 << 16 }),
  mkdir: async (path) => {
    await mkdir(path, { recursive: true });
  },
};

/** Runs a file operation; a file-system failure becomes the typed error naming `path`. */
export async function onPath<T>(path: string, action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw fileSystemError(error, path, action);
  }
}

/** True when `error` is Node's "no such file or directory". */
export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
