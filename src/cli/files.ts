/**
 * The CLI's own file writes (--report files): a failure is a typed error naming the path and the
 * cause (DISK_FULL, PERMISSION_DENIED, READ_ONLY_FILESYSTEM, PATH_NOT_FOUND), never a bug report.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileSystemError } from '../errors.js';

/** Writes `document` as pretty JSON to `path` (replacing the file); returns the absolute path. */
export async function writeReportFile(path: string, document: unknown): Promise<string> {
  const target = resolve(path);
  try {
    await writeFile(target, `${JSON.stringify(document, null, 2)}\n`);
  } catch (error) {
    throw fileSystemError(error, target, 'write the report file');
  }
  return target;
}
