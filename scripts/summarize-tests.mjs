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
    const suiteErrors = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
    passed += r.numPassedTests;
    failed += r.numFailedTests + suiteErrors;
    skipped += r.numPendingTests + r.numTodoTests;
    console.log(`${name.replace('.json', '')}: ${r.numPassedTests} passed, ${r.numFailedTests + suiteErrors} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  } else if (name.endsWith('.xml')) {
    const xml = readFileSync(file, 'utf8');
    const attr = (a) => [...xml.matchAll(new RegExp(`<testsuite [^>]*\\b${a}="(\\d+)"`, 'g'))].reduce((s, m) => s + Number(m[1]), 0);
    const total = attr('tests');
    const f = attr('failures') + attr('errors');
    const s = attr('skipped');
    passed += total - f - s;
    failed += f;
    skipped += s;
    console.log(`${name.replace('.xml', '')}: ${total - f - s} passed, ${f} failed, ${s} skipped`);
  }
}
if (passed + failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
