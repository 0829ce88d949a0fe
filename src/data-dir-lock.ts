import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One `serve` per data directory: `gouvernail.pid` holds the serving process's id. A second serve
 * would append beside the first and fail every request with a SQLite constraint error, while its
 * readiness probe says ready. A file left by a process that no longer runs (a crash) is taken over.
 */
export const lockDataDir = (dataDir: string): { release: () => void } => {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR')
      throw new Error(
        `the data directory ${dataDir} is not a directory${code === 'ENOTDIR' ? ' (part of its path is a file)' : ''}`,
        { cause: e },
      );
    throw e;
  }
  const file = join(dataDir, 'gouvernail.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return {
        release: () => {
          rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && running(holder))
        throw new Error(
          `another gouvernail (pid ${holder}) serves ${dataDir}; stop it first (if no such process is gouvernail, delete ${file})`,
        );
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot take ${file}: another process keeps creating it`);
};

const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};
