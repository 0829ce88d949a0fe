import { destination, pino, type Logger } from 'pino';

export type { Logger };

/** The one root logger: JSON lines on stderr, secrets redacted. */
export const createLogger = (level: string): Logger =>
  pino(
    {
      level,
      base: { service: 'gouvernail' },
      redact: {
        paths: ['authorization', 'headers.authorization', '*.kek', '*.secret', 'token', 'personal'],
        censor: '[redacted]',
      },
    },
    destination(2),
  );
