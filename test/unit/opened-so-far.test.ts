import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { openedSoFar } from '../../src/opened-so-far.js';

describe('what a failed start had opened', () => {
  it('is closed newest first; a close that fails is logged and the others still close', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const closed: string[] = [];
    const opened = openedSoFar(logger);
    opened.add('the log', () => void closed.push('log'));
    opened.add('the vault', () => Promise.reject(new Error('disk gone')));
    opened.add('the read side', async () => {
      await Promise.resolve();
      closed.push('read side');
    });
    await opened.closeAll();
    expect(closed).toEqual(['read side', 'log']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('could not close the vault after a failed start');
    expect(lines[0]).toContain('disk gone');
    await opened.closeAll();
    expect(closed).toEqual(['read side', 'log']);
  });
});
