// Sums the vitest JSON reports and pytest JUnit XML of one run into "N passed, N failed[, N skipped]".
// Exits non-zero when anything failed or when no test ran at all.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of readdirSync(dir).sort()) {
  const file = join(dir, name);
  if (name.endsWith('.json')) {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    // a file whose setup failed (beforeAll, import) has no failed assertion: count it as one failure
    const suiteErrors = (r.testResults ?? []).filter(
      (t) =>
        t.status === 'failed' && !(t.assertionResults ?? []).some((a) => a.status === 'failed'),
    ).length;
    passed += r.numPassedTests;
    failed += r.numFailedTests + suiteErrors;
    skipped += r.numPendingTests + r.numTodoTests;
    console.log(
      `${name.replace('.json', '')}: ${r.numPassedTests} passed, ${r.numFailedTests + suiteErrors} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
    );
  } else if (name.endsWith('.xml')) {
    const xml = readFileSync(file, 'utf8');
    const attr = (a) =>
      [...xml.matchAll(new RegExp(`<testsuite [^>]*\\b${a}="(\\d+)"`, 'g'))].reduce(
        (s, m) => s + Number(m[1]),
        0,
      );
    const total = attr('tests');
    const f = attr('failures') + attr('errors');
    const s = attr('skipped');
    passed += total - f - s;
    failed += f;
    skipped += s;
    console.log(`${name.replace('.xml', '')}: ${total - f - s} passed, ${f} failed, ${s} skipped`);
  }
}
// a runner that exited non-zero although its report shows no failure (crash, report not written)
for (const name of readdirSync(dir).filter((n) => n.endsWith('.exit'))) {
  const tier = name.replace('.exit', '');
  const code = readFileSync(join(dir, name), 'utf8').trim();
  const report = join(dir, `${tier}.json`);
  let reported = 0;
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    reported = r.numFailedTests + (r.testResults ?? []).filter((t) => t.status === 'failed').length;
  } catch {
    try {
      const xml = readFileSync(join(dir, `${tier}.xml`), 'utf8');
      reported = [...xml.matchAll(/<testsuite [^>]*\b(?:failures|errors)="(\d+)"/g)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
    } catch {
      reported = 0;
    }
  }
  if (reported === 0) {
    failed += 1;
    console.log(
      `${tier}: the runner exited with ${code} without reporting a failure; counted as one`,
    );
  }
}
if (passed + failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
