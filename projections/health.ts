/** A projection that failed and has not applied a batch since: it is retrying from its checkpoint. */
export interface FailingProjection {
  readonly name: string;
  /** The last failure, as `Name: message`. */
  readonly error: string;
  /** When it first failed since its last applied batch (ISO 8601). */
  readonly since: string;
}

/** Which projections are failing now: told of each failure and of each batch applied after one. */
export interface ProjectionHealth {
  failed(name: string, error: unknown): void;
  progressed(name: string): void;
  failing(): FailingProjection[];
}

export const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * What the runner calls a failed read of the log itself. Not a projection's failure: the log's
 * follower retries it, and no batch may follow to clear it (an idle log), so it would withdraw
 * readiness for good. A log that cannot append is reported by the log's own fault.
 */
const LOG_READ = 'log';

export const createProjectionHealth = (now: () => Date = () => new Date()): ProjectionHealth => {
  const failures = new Map<string, FailingProjection>();
  return {
    failed: (name, error) => {
      if (name === LOG_READ) return;
      const since = failures.get(name)?.since ?? now().toISOString();
      failures.set(name, { name, error: errorText(error), since });
    },
    progressed: (name) => {
      failures.delete(name);
    },
    failing: () => [...failures.values()],
  };
};
