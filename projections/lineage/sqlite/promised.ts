/** Runs synchronous driver work and settles a promise with its result, or rejects with its error. */
export const promised = <T>(work: () => T): Promise<T> =>
  new Promise((resolve) => {
    resolve(work());
  });
