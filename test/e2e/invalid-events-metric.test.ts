import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startServer, tempDir, tokenFor, type RunningServer } from '../support/cli.js';
import { newAccessEvent } from '../support/new-events.js';

/**
 * Every event refused as invalid moves `gouvernail_ingest_events_total{outcome="invalid"}` (what the
 * GouvernailInvalidEventsRising alert watches), labelled with the type it claims when that is one of
 * the catalogue's.
 */
describe('the invalid-events counter', () => {
  let dir: string;
  let server: RunningServer;
  let producer: string;

  beforeAll(async () => {
    dir = tempDir();
    server = await startServer(dir);
    producer = await tokenFor(dir, 'producer');
  });
  afterAll(async () => {
    await server.stop();
    removeDir(dir);
  });

  const invalid = async (type: string, source: string): Promise<number> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('gouvernail_ingest_events_total{') &&
          l.includes(`type="${type}"`) &&
          l.includes(`source="${source}"`) &&
          l.includes('outcome="invalid"'),
      );
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const post = (path: string, body: string, contentType = 'application/json') =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${producer}`, 'content-type': contentType },
      body,
    });

  it('counts an invalid OpenLineage RunEvent as an invalid LineageRunEvent', async () => {
    const before = await invalid('LineageRunEvent', 'openlineage');
    const run = JSON.parse(readFileSync('test/fixtures/openlineage/run-start.json', 'utf8')) as {
      eventTime?: string;
    };
    delete run.eventTime;
    expect((await post('/api/v1/lineage', JSON.stringify(run))).status).toBe(400);
    expect((await post('/api/v1/lineage', '{"eventType": ')).status).toBe(400);
    expect(await invalid('LineageRunEvent', 'openlineage')).toBe(before + 2);
  });

  it('counts each malformed line of a body that is not JSON', async () => {
    const before = await invalid('unknown', 'http');
    expect((await post('/v1/events', '[{"id": ')).status).toBe(400);
    const ndjson = `${JSON.stringify(newAccessEvent('ok-1'))}\n{oops\nnot json\n`;
    expect((await post('/v1/events', ndjson, 'application/x-ndjson')).status).toBe(400);
    expect(await invalid('unknown', 'http')).toBe(before + 3);
  });

  it('labels an invalid event with its type when the catalogue has it, and unknown otherwise', async () => {
    const access = { ...newAccessEvent('bad-access'), data: {} };
    const config = { ...newAccessEvent('bad-config'), type: 'ConfigChanged' };
    const other = { ...newAccessEvent('bad-other'), type: 'NotInTheCatalogue' };
    const before = {
      access: await invalid('AccessRecorded', 'http'),
      config: await invalid('ConfigChanged', 'http'),
      unknown: await invalid('unknown', 'http'),
    };
    expect((await post('/v1/events', JSON.stringify([access, config, other]))).status).toBe(400);
    expect(await invalid('AccessRecorded', 'http')).toBe(before.access + 1);
    expect(await invalid('ConfigChanged', 'http')).toBe(before.config + 1);
    expect(await invalid('unknown', 'http')).toBe(before.unknown + 1);
    expect(await invalid('NotInTheCatalogue', 'http')).toBe(0);
  });
});
