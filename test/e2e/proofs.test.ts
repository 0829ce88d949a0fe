import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  removeDir,
  startServer,
  tempDir,
  tokenFor,
  type RunningServer,
} from '../support/cli.js';
import { newAccessEvent, post } from '../support/new-events.js';

describe('proofs verified offline with only the public key', () => {
  let dir: string;
  let offline: string;
  let server: RunningServer;
  let auditor: string;

  beforeAll(async () => {
    dir = tempDir();
    offline = tempDir('gv-auditor-');
    server = await startServer(dir);
    const producer = await tokenFor(dir, 'producer');
    auditor = await tokenFor(dir, 'auditor');
    const events = Array.from({ length: 300 }, (_, i) =>
      newAccessEvent(
        `p-${i}`,
        i % 3 === 0
          ? {
              subject: `subj_proofsubject${String(i).padStart(6, '0')}`,
              email: `p${i}@example.org`,
            }
          : {},
      ),
    );
    expect((await post(server.url, producer, JSON.stringify(events.slice(0, 100)))).status).toBe(
      200,
    );
    expect((await fetch(`${server.url}/v1/checkpoint`)).status).toBe(200);
    expect((await post(server.url, producer, JSON.stringify(events.slice(100)))).status).toBe(200);
    const keys = (await (await fetch(`${server.url}/v1/keys`)).json()) as {
      vkey: string;
      spkiPem: string;
    };
    writeFileSync(join(offline, 'log.vkey'), `${keys.vkey}\n`);
    writeFileSync(join(offline, 'log.pem'), keys.spkiPem);
  });
  afterAll(async () => {
    await server.stop();
    removeDir(dir);
    removeDir(offline);
  });

  const inclusion = async (id: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${server.url}/v1/proof/inclusion?id=${id}`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };

  const verifyOffline = (doc: unknown, key = 'log.vkey') => {
    writeFileSync(join(offline, 'proof.json'), JSON.stringify(doc));
    return cli(['verify-proof', 'proof.json', '--key', key], { cwd: offline });
  };

  it('serves an inclusion proof that the CLI verifies with the vkey or the PEM key, no server or data needed', async () => {
    const doc = await inclusion('p-150');
    expect(doc).toMatchObject({
      format: 'gouvernail-proof/v1',
      eventId: 'p-150',
      leafIndex: 150,
      treeSize: 300,
    });
    const entry = JSON.parse(Buffer.from(doc.entry as string, 'base64').toString('utf8')) as {
      id: string;
    };
    expect(entry.id).toBe('p-150');
    const byVkey = await verifyOffline(doc);
    expect(byVkey.stdout).toMatch(/^OK: event p-150 is leaf 150 of .* at tree size 300/);
    expect(byVkey.code).toBe(0);
    expect((await verifyOffline(doc, 'log.pem')).code).toBe(0);
  });

  it('keeps no personal data in clear in the entry a proof reveals', async () => {
    const entry = Buffer.from((await inclusion('p-3')).entry as string, 'base64').toString('utf8');
    expect(entry).not.toContain('p3@example.org');
    expect(JSON.parse(entry)).toMatchObject({
      sealed: { subj_proofsubject000003: { fields: ['email'] } },
    });
  });

  it('rejects a proof whose entry, path or checkpoint was altered', async () => {
    const doc = await inclusion('p-7');
    const entry = Buffer.from(doc.entry as string, 'base64');
    entry[entry.length - 5] = entry[entry.length - 5]! ^ 0x01;
    const alteredEntry = await verifyOffline({ ...doc, entry: entry.toString('base64') });
    expect(alteredEntry.code).toBe(1);
    expect(alteredEntry.stderr).toMatch(/^FAIL: the inclusion path does not lead/);

    const path = [...(doc.inclusion as string[])];
    const h = Buffer.from(path[0]!, 'base64');
    h[0] = h[0]! ^ 0x80;
    path[0] = h.toString('base64');
    expect((await verifyOffline({ ...doc, inclusion: path })).code).toBe(1);

    const forged = (doc.checkpoint as string).replace(/\n300\n/, '\n301\n');
    const badNote = await verifyOffline({ ...doc, checkpoint: forged, treeSize: 301 });
    expect(badNote.code).toBe(1);
    expect(badNote.stderr).toMatch(/FAIL: .*signature/i);
  });

  it('rejects a genuine proof whose eventId was changed to claim another event', async () => {
    const doc = await inclusion('p-7');
    const renamed = await verifyOffline({ ...doc, eventId: 'p-8' });
    expect(renamed.code).toBe(1);
    expect(renamed.stderr).toMatch(
      /^FAIL: eventId "p-8" is not the id of the proven entry \("p-7"\)/,
    );
  });

  it('rejects a genuine proof checked against another key', async () => {
    const other = tempDir();
    try {
      const otherServer = await startServer(other);
      const otherKey = (
        (await (await fetch(`${otherServer.url}/v1/keys`)).json()) as { vkey: string }
      ).vkey;
      await otherServer.stop();
      writeFileSync(join(offline, 'other.vkey'), otherKey);
      expect((await verifyOffline(await inclusion('p-1'), 'other.vkey')).code).toBe(1);
    } finally {
      removeDir(other);
    }
  });

  it('proves consistency between two signed checkpoints', async () => {
    const list = (await (await fetch(`${server.url}/v1/checkpoints`)).json()) as {
      checkpoints: { size: number }[];
    };
    const sizes = list.checkpoints.map((c) => c.size);
    expect(sizes).toContain(100);
    expect(sizes).toContain(300);
    const res = await fetch(`${server.url}/v1/proof/consistency?from=100&to=300`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    const verdict = await verifyOffline(doc);
    expect(verdict.stdout).toMatch(/tree size 300 is an append-only extension of size 100/);
    const tampered = { ...doc, consistency: (doc.consistency as string[]).slice(1) };
    expect((await verifyOffline(tampered)).code).toBe(1);
  });

  it('answers clearly for unknown events and checkpoints, and refuses proofs to roles without the right', async () => {
    const missing = await fetch(`${server.url}/v1/proof/inclusion?id=nope`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe(
      "no event with id 'nope'",
    );
    expect((await fetch(`${server.url}/v1/proof/consistency?from=7&to=300`)).status).toBe(404);
    expect((await fetch(`${server.url}/v1/proof/consistency?from=x`)).status).toBe(400);
    const analyst = await tokenFor(dir, 'analyst');
    expect(
      (
        await fetch(`${server.url}/v1/proof/inclusion?id=p-1`, {
          headers: { authorization: `Bearer ${analyst}` },
        })
      ).status,
    ).toBe(403);
  });

  it('writes the same proof with the CLI from the data directory', async () => {
    await server.stop();
    const out = join(offline, 'cli-proof.json');
    const r = await cli(['proof', 'p-42', '--data-dir', dir, '--out', out]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { leafIndex: number };
    expect(doc.leafIndex).toBe(42);
    expect((await cli(['verify-proof', out, '--key', 'log.vkey'], { cwd: offline })).code).toBe(0);
    server = await startServer(dir);
  });

  it('never signs a checkpoint from the CLI: without one covering the event it says why', async () => {
    const quiet = tempDir();
    const slow = await startServer(quiet, { GOUVERNAIL_CHECKPOINT_INTERVAL_MS: '3600000' });
    const producer = await tokenFor(quiet, 'producer');
    expect(
      (await post(slow.url, producer, JSON.stringify([newAccessEvent('late-1')]))).status,
    ).toBe(200);
    await slow.kill();
    const checkpoints = () => {
      const db = new Database(join(quiet, 'log.sqlite'), { readonly: true });
      try {
        return db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM checkpoints').get()!.n;
      } finally {
        db.close();
      }
    };
    const before = checkpoints();
    const r = await cli(['proof', 'late-1', '--data-dir', quiet]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no signed checkpoint covers late-1 yet');
    expect(checkpoints()).toBe(before);
    removeDir(quiet);
    const nowhere = join(quiet, 'nowhere');
    const missing = await cli(['proof', 'late-1', '--data-dir', nowhere]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no log at ${join(nowhere, 'log.sqlite')}`);
    expect(existsSync(nowhere)).toBe(false);
    // Commands that read a log refuse a directory without one instead of creating empty files.
    for (const args of [
      ['replay', 'erasureCases'],
      ['certificate', 'case-1'],
    ]) {
      const r = await cli([...args, '--data-dir', nowhere]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(`no log at ${join(nowhere, 'log.sqlite')}`);
      expect(existsSync(nowhere)).toBe(false);
    }
  });
});
