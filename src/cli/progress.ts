/** A one-line progress bar on stderr, redrawn at most every 100 ms. Silent when stderr is not a TTY unless forced. */
export const createProgressBar = (label: string, options: { force?: boolean } = {}) => {
  const enabled = options.force === true || process.stderr.isTTY;
  const started = Date.now();
  let last = 0;
  const draw = (done: number, total: number, final: boolean): void => {
    const now = Date.now();
    if (!enabled || (!final && now - last < 100)) return;
    last = now;
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const width = 30;
    const filled = Math.round(ratio * width);
    const rate = done / Math.max(0.001, (now - started) / 1000);
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${done}/${total} ${Math.round(rate)}/s`;
    process.stderr.write(`\r${line}${final ? '\n' : ''}`);
  };
  return {
    update: (done: number, total: number): void => {
      draw(done, total, false);
    },
    done: (done: number, total: number): void => {
      draw(done, total, true);
    },
  };
};
