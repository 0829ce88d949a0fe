import type { YogaLogger } from 'graphql-yoga';
import type { Logger } from '../logger.js';

/**
 * yoga's logger over pino: an unexpected error of the GraphQL endpoint (answered as a masked 500 or
 * "Unexpected error.") is logged with its stack instead of vanishing.
 */
export const yogaLogger = (log: Logger): YogaLogger => {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]): void => {
      const [first, ...rest] = args;
      if (first instanceof Error) log[level]({ err: first }, 'GraphQL request failed');
      else log[level]([first, ...rest].map(String).join(' '));
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};
