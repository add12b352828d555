/**
 * The prototype kept uploaded files on disk (src/storage.ts: "<upload dir>/<taskId>/<filename>",
 * the record's storagePath being the part after the upload dir) and stored no size, checksum or
 * content type. The store requires all three, so they are read from a copy of that directory.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, relative, resolve, sep } from 'node:path';

export interface UploadInfo {
  size_bytes: number;
  sha256: string;
  /** Guessed from the file name's extension. */
  content_type: string;
}

/** Content types by extension, for the kinds of files an operations team uploads. */
const CONTENT_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.html': 'text/html',
  '.zip': 'application/zip',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.ppt': 'application/vnd.ms-powerpoint',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
};

export function contentTypeOf(filename: string): string {
  return CONTENT_TYPES[extname(filename).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Size, SHA-256 and content type of `<uploadsDir>/<storagePath>`; null when there is no such file
 * (or the path would leave the directory).
 */
export async function readUpload(uploadsDir: string, storagePath: string, filename: string): Promise<UploadInfo | null> {
  const root = resolve(uploadsDir);
  const path = resolve(root, storagePath.replace(/\\/g, '/'));
  const inside = relative(root, path);
  if (inside === '' || inside.startsWith('..') || inside.startsWith(sep)) return null;
  try {
    const info = await stat(path);
    if (!info.isFile()) return null;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    return { size_bytes: info.size, sha256: hash.digest('hex'), content_type: contentTypeOf(filename || path) };
  } catch {
    return null;
  }
}
