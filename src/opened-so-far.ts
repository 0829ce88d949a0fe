import type { Logger } from './logger.js';

/** What start-up has opened so far, to release when a later step fails. */
export interface OpenedSoFar {
  /** Registers how to release something just opened. */
  add(name: string, close: () => unknown): void;
  /**
   * Releases everything registered, newest first. A release that fails is logged and the others
   * still run: the error that stopped start-up is the one to report.
   */
  closeAll(): Promise<void>;
}

export const openedSoFar = (logger: Logger): OpenedSoFar => {
  const opened: { name: string; close: () => unknown }[] = [];
  return {
    add: (name, close) => {
      opened.push({ name, close });
    },
    closeAll: async () => {
      for (const { name, close } of opened.splice(0).reverse()) {
        try {
          await close();
        } catch (err) {
          logger.error({ err, resource: name }, `could not close ${name} after a failed start`);
        }
      }
    },
  };
};
