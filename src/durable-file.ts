import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `content` to `file` whole or not at all (mode 0600): a temporary file beside it, synced,
 * then linked into place (`replace: false`: an existing file is kept, never clobbered) or renamed
 * over it (`replace: true`), then the directory is synced. A disk full or a crash part-way leaves at
 * most a `*.tmp` file, never a short or empty `file`.
 */
export const writeFileDurably = (
  file: string,
  content: string | Uint8Array,
  options: { replace: boolean },
): void => {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.replace) renameSync(tmp, file);
    else {
      try {
        linkSync(tmp, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // renamed into place
    }
  }
  syncDir(dirname(file));
};

const syncDir = (dir: string): void => {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};
