import type { AccessHistoryReadModel } from '../projections/access/ports.js';
import type { Logger } from './logger.js';

export interface RetentionPurge {
  /** Deletes the access rows past their retention period now; resolves with how many. */
  purge(): Promise<number>;
  /** Stops the timer and waits for a purge in flight. */
  stop(): Promise<void>;
}

/**
 * Deletes access-history rows past their retention period (`RetentionPolicySet`), now and then
 * every `intervalMs`. Queries hide such rows at once; this removes them from the store, so a policy
 * lengthened later cannot bring them back. One purge at a time; a failure is logged and the next
 * tick tries again.
 */
export const startRetentionPurge = ({
  access,
  intervalMs,
  logger,
  now = () => new Date(),
}: {
  access: Pick<AccessHistoryReadModel, 'purgeExpired'>;
  intervalMs: number;
  logger: Logger;
  now?: () => Date;
}): RetentionPurge => {
  let inFlight: Promise<number> | undefined;
  const purge = (): Promise<number> =>
    (inFlight ??= access
      .purgeExpired(now())
      .then((n) => {
        if (n > 0) logger.info({ rows: n }, 'access rows past their retention period deleted');
        return n;
      })
      .finally(() => {
        inFlight = undefined;
      }));
  const tick = (): void => {
    purge().catch((err: unknown) => {
      logger.error({ err }, 'retention purge failed; retrying at the next interval');
    });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    purge,
    stop: async () => {
      clearInterval(timer);
      await inFlight?.catch(() => 0);
    },
  };
};
