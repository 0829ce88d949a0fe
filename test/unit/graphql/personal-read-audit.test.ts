import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Ingestor } from '../../../src/ingest/ingest.js';
import {
  admitGraphqlRequest,
  createGraphQLContextFactory,
  type GraphQLContextDeps,
} from '../../../src/graphql/context.js';
import { createAccessRecorder } from '../../../src/query-recorder.js';
import { carol } from './support.js';

/** A DPO's context whose self-audit appends through `ingest` (every 60 s unless asked to wait). */
const dpoContext = async (ingest: Ingestor['ingest']) => {
  const recorder = createAccessRecorder({
    ingestor: { ingest, ingestValid: ingest, countInvalid: () => undefined },
    log: pino({ level: 'silent' }),
    intervalMs: 60_000,
  });
  const deps = {
    readSide: {},
    personal: { read: () => Promise.resolve({ email: 'carol@example.org' }) },
    recorder,
    trustedProxies: 0,
  } as unknown as GraphQLContextDeps;
  const req = new Request('http://localhost/graphql', { headers: { authorization: 'Bearer t' } });
  await admitGraphqlRequest(req, { verify: () => Promise.resolve({ id: 'dpo-1', role: 'dpo' }) });
  return { ctx: await createGraphQLContextFactory(deps)(req), recorder };
};

describe("a DPO's read of personal fields", () => {
  it('answers only once its audit record is appended to the log', async () => {
    let appended!: () => void;
    const ingest = () =>
      new Promise<Awaited<ReturnType<Ingestor['ingest']>>>((resolve) => {
        appended = () => {
          resolve({ status: 'accepted', outcomes: [] });
        };
      });
    const { ctx, recorder } = await dpoContext(ingest);
    let answered = false;
    const read = ctx.events.readPersonal('evt-1', carol).then((fields) => {
      answered = true;
      return fields;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    appended();
    expect(await read).toEqual({ email: 'carol@example.org' });
    await recorder.stop();
  });

  it('fails, disclosing nothing, when the record cannot be appended', async () => {
    const { ctx, recorder } = await dpoContext(() => Promise.reject(new Error('disk full')));
    await expect(ctx.events.readPersonal('evt-1', carol)).rejects.toMatchObject({
      message:
        'This read of personal fields could not be recorded in the audit log, so nothing was disclosed; try again',
      extensions: { code: 'AUDIT_UNAVAILABLE' },
    });
    // The denied read is queued for the log, which still refuses it at shutdown: it is reported lost.
    await expect(recorder.stop()).rejects.toThrow(
      '1 self-audit records could not be appended to the log',
    );
  });
});
