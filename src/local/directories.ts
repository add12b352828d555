/**
 * Creating a directory (and its missing parents) with a failure a person can act on: a typed
 * error naming the path and the real cause (DISK_FULL, PERMISSION_DENIED, READ_ONLY_FILESYSTEM,
 * PATH_NOT_FOUND).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileSystemError } from '../errors.js';

/**
 * Node's recursive mkdir reports ENOENT whenever a missing ancestor cannot be made, whatever the
 * reason (a read-only file system included); creating the missing levels one at a time surfaces
 * the real errno.
 */
function realCause(error: unknown, path: string): unknown {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return error;
  const missing: string[] = [];
  for (let current = path; !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (cause) {
      return cause;
    }
  }
  return error;
}

/** Creates `path` and its missing parents; `action` words the failure ("create the data directory"). */
export function createDirectory(path: string, action = 'create the directory'): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw fileSystemError(realCause(error, path), path, action);
  }
}
