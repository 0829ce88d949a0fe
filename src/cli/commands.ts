import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJsonSchemas } from '../../domain/json-schema.js';
import { TokenRoles, type Role } from '../../domain/primitives.js';
import { verifyLogFile, verifySequencedLog, type VerifyReport } from '../audit/verify-log.js';
import { verifierFromKeyText, verifyProofDocument } from '../audit/verify-proof.js';
import { signLocalToken } from '../auth/jwt.js';
import { checkpointKeyFile, existingCheckpointVerifierKey } from '../checkpoint/local-key.js';
import { createSqliteCheckpointStore } from '../checkpoint/store.js';
import { readWitness, witnessProblem } from '../checkpoint/witness.js';
import { loadConfig } from '../config.js';
import { notGouvernailFile } from '../log/foreign-file.js';
import { openLog, treeFile } from '../log/open-log.js';
import { createLogger } from '../logger.js';
import { createProofService } from '../proofs.js';
import { lockDataDir } from '../data-dir-lock.js';
import { createConfiguredReadSide } from '../read-side-external.js';
import { projectionNames } from '../read-side.js';
import { hs256Secret } from '../secrets.js';
import { loadCase } from '../erasure/case-stream.js';
import { verifyCertificate } from '../erasure/verify-certificate.js';
import { checkServiceUrl, loadDemo } from './demo.js';
import { createProgressBar } from './progress.js';

interface Flags {
  'data-dir'?: string | undefined;
  key?: string | undefined;
  out?: string | undefined;
  role?: string | undefined;
  sub?: string | undefined;
  ttl?: string | undefined;
  url?: string | undefined;
}

const configFrom = (flags: Flags) =>
  loadConfig(process.env, flags['data-dir'] === undefined ? {} : { dataDir: flags['data-dir'] });
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const complain = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** A progress bar for the one-time move of an older log file into entry bundles, when it happens. */
const migrationBar = () => {
  const bar = createProgressBar('migrating the log to entry bundles');
  return (done: number, total: number): void => {
    if (done < total) bar.update(done, total);
    else bar.done(done, total);
  };
};

const treeKind = (config: ReturnType<typeof configFrom>): string =>
  config.log === 'sqlite' ? 'log' : 'Merkle sequencer state';

/**
 * The HS256 secret to sign a local token with, or the exit code when the service would refuse a
 * token signed here (said why): it checks tokens with an identity provider's keys, or the data
 * directory is not the service's (a secret made here would be one the service never saw).
 */
const localSigningSecret = (
  config: ReturnType<typeof configFrom>,
  command: string,
): { secret: string } | { exit: number } => {
  const { secret, publicKeyFile, jwksUrl } = config.jwt;
  if (secret === undefined && publicKeyFile === undefined && jwksUrl === undefined) {
    const log = treeFile(config);
    const secretFile = join(config.dataDir, 'jwt-secret');
    if (!existsSync(secretFile)) {
      const notTheServices = existsSync(log)
        ? notGouvernailFile(log, treeKind(config))
        : `${config.dataDir} holds no gouvernail data (neither ${log} nor ${secretFile})`;
      if (notTheServices !== undefined) {
        complain(
          `${command}: ${notTheServices}, so a token signed here would be refused by the service; give the directory it serves with --data-dir DIR (or GOUVERNAIL_DATA_DIR), or start the service on this one first`,
        );
        return { exit: 1 };
      }
    }
  }
  const signing = hs256Secret(config);
  if (signing !== undefined) return { secret: signing };
  complain(
    `${command}: the service checks tokens with the identity provider's keys (GOUVERNAIL_JWT_PUBLIC_KEY_FILE or GOUVERNAIL_JWT_JWKS_URL) and would refuse a locally signed one; get a token from the identity provider, or set GOUVERNAIL_JWT_SECRET to accept HS256 tokens as well`,
  );
  return { exit: 2 };
};

/**
 * The file holding the tree and checkpoints of the configured log (the embedded log, or the Merkle
 * sequencer's beside EventStoreDB), or undefined, said why, when the data directory has none or
 * the file is not gouvernail's: nothing is then created, migrated or written.
 */
const existingTreeFile = (
  config: ReturnType<typeof configFrom>,
  command: string,
): string | undefined => {
  const file = treeFile(config);
  if (!existsSync(file)) {
    complain(`${command}: no ${treeKind(config)} at ${file}`);
    return undefined;
  }
  const foreign = notGouvernailFile(file, treeKind(config));
  if (foreign === undefined) return file;
  complain(
    `${command}: ${foreign}; give the directory the service uses with --data-dir DIR (or GOUVERNAIL_DATA_DIR)`,
  );
  return undefined;
};

/** `gouvernail verify`: exit 0 when the whole log and every checkpoint check out, 1 otherwise. */
export const runVerify = async (flags: Flags): Promise<number> => {
  const config = configFrom(flags);
  const file = existingTreeFile(config, 'verify');
  if (file === undefined) return 1;
  const keyText = flags.key
    ? readFileSync(flags.key, 'utf8')
    : existingCheckpointVerifierKey(config.dataDir, config.origin);
  if (keyText === undefined) {
    complain(
      `verify: no checkpoint key in ${config.dataDir} (${checkpointKeyFile(config.dataDir)}): give the log's public key with --key KEYFILE (the vkey or PEM of GET /v1/keys), or restore the key file from the backup`,
    );
    return 2;
  }
  const verifier = verifierFromKeyText(keyText, config.origin);
  // Read before the log: the service writes it only after the checkpoint is in the log.
  const witnessed = readWitness(config.dataDir);
  const witness =
    witnessed === undefined
      ? undefined
      : (tree: Parameters<typeof witnessProblem>[0]) =>
          witnessProblem(tree, witnessed, verifier, file, config.dataDir);
  const bar = createProgressBar('verify');
  const progress = (done: number, total: number): void => {
    bar.update(done, total);
  };
  let pending = 0;
  let report: VerifyReport;
  if (config.log === 'sqlite') report = verifyLogFile(file, verifier, progress, witness);
  else {
    const log = openLog(config, { sequence: false });
    try {
      ({ pending, ...report } = await verifySequencedLog(file, log, verifier, progress, witness));
    } finally {
      await log.close();
    }
  }
  bar.done(report.entries, report.entries);
  if (!report.ok) {
    complain(`FAIL: ${report.first?.message ?? 'unknown problem'}`);
    if (report.first && 'position' in report.first)
      complain(`first bad position: ${report.first.position}`);
    return 1;
  }
  say(`OK: ${report.entries} entries and ${report.checkpoints} signed checkpoints verified`);
  if (pending > 0) say(`${pending} newer entries are not integrated into the tree yet`);
  return 0;
};

/** `gouvernail proof EVENT_ID`: the inclusion proof JSON of one event, signed checkpoint included. */
export const runProof = async (eventId: string | undefined, flags: Flags): Promise<number> => {
  if (!eventId) {
    complain('proof: an event id is required');
    return 2;
  }
  const config = configFrom(flags);
  if (existingTreeFile(config, 'proof') === undefined) return 1;
  const log = openLog(config, { sequence: false, onMigrate: migrationBar() });
  try {
    const store = createSqliteCheckpointStore(log.db);
    // Only `serve` signs checkpoints: the CLI proves against the latest stored one, or says why not.
    // A running service may have signed one past the tree this process loaded: fall back to the
    // smallest covering checkpoint within it.
    const storedOnly = {
      covering: (leafIndex: number) => {
        const size = log.tree.size();
        const latest = store.latest();
        if (latest && latest.size > leafIndex && latest.size <= size) return latest;
        const smallest = store.covering(leafIndex);
        return smallest && smallest.size <= size ? smallest : null;
      },
    };
    const doc = await createProofService({
      log,
      store,
      publisher: storedOnly,
      origin: config.origin,
    }).inclusion(eventId);
    if ('code' in doc) {
      complain(
        doc.code === 'no-checkpoint'
          ? `proof: no signed checkpoint covers ${eventId} yet; the service signs one every ${config.checkpointIntervalMs} ms while it runs (GOUVERNAIL_CHECKPOINT_INTERVAL_MS). Try again shortly, or ask it: GET /v1/proof/inclusion?id=${eventId}`
          : `proof: ${doc.message}`,
      );
      return 1;
    }
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    if (flags.out) {
      writeFileSync(flags.out, text);
      say(
        `wrote the inclusion proof of ${eventId} (leaf ${doc.leafIndex} of ${doc.treeSize}) to ${flags.out}`,
      );
    } else process.stdout.write(text);
    return 0;
  } finally {
    await log.close();
  }
};

/** `gouvernail verify-proof FILE --key KEYFILE`: fully offline. */
export const runVerifyProof = (file: string | undefined, flags: Flags): number => {
  if (!file || !flags.key) {
    complain('verify-proof: a proof FILE and --key KEYFILE are required');
    return 2;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    complain(`FAIL: ${file} is not a JSON proof: ${(e as Error).message}`);
    return 1;
  }
  const verdict = verifyProofDocument(doc, readFileSync(flags.key, 'utf8'));
  if (!verdict.ok) {
    complain(`FAIL: ${verdict.reason}`);
    return 1;
  }
  say(`OK: ${verdict.summary}`);
  return 0;
};

/** `gouvernail token --role ROLE`: a development token signed with the local HS256 secret. */
/** Longest lifetime `gouvernail token` gives a development token: one year. */
const MAX_TOKEN_TTL = 365 * 24 * 3600;

export const runToken = async (flags: Flags): Promise<number> => {
  const role = flags.role;
  const roles = TokenRoles;
  if (!role || !(roles as readonly string[]).includes(role)) {
    complain(`token: --role must be one of ${roles.join(', ')}`);
    return 2;
  }
  const ttl = flags.ttl ? Number(flags.ttl) : 3600;
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_TOKEN_TTL) {
    complain(
      `token: --ttl must be a whole number of seconds from 1 to ${MAX_TOKEN_TTL} (one year)`,
    );
    return 2;
  }
  const sub = flags.sub ?? `dev-${role}`;
  if (sub === '' || sub.length > 255) {
    complain('token: --sub must be 1 to 255 characters (what the service accepts)');
    return 2;
  }
  const config = configFrom(flags);
  const signing = localSigningSecret(config, 'token');
  if ('exit' in signing) return signing.exit;
  say(
    await signLocalToken(signing.secret, {
      sub,
      role: role as Role,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ttlSeconds: ttl,
    }),
  );
  return 0;
};

/** `gouvernail schemas --out DIR`: one JSON Schema file per event type and version. */
export const runSchemas = (flags: Flags): number => {
  if (!flags.out) {
    complain('schemas: --out DIR is required');
    return 2;
  }
  mkdirSync(flags.out, { recursive: true });
  const schemas = exportJsonSchemas();
  for (const [name, schema] of schemas)
    writeFileSync(join(flags.out, name), `${JSON.stringify(schema, null, 2)}\n`);
  say(`wrote ${schemas.size} schemas to ${flags.out}`);
  return 0;
};

/** `gouvernail replay PROJECTION`: drops one read model and rebuilds it from position 0. */
export const runReplay = async (name: string | undefined, flags: Flags): Promise<number> => {
  if (!name || !(projectionNames as readonly string[]).includes(name)) {
    complain(`replay: name one projection: ${projectionNames.join(', ')}`);
    return 2;
  }
  const config = configFrom(flags);
  if (existingTreeFile(config, 'replay') === undefined) return 1;
  // A running service keeps its projections' positions in memory and would write them back over
  // the rebuilt read model: an interrupted replay would then hide events for good.
  let lock: { release: () => void };
  try {
    lock = lockDataDir(config.dataDir);
  } catch (e) {
    complain(`replay: ${(e as Error).message}`);
    return 1;
  }
  try {
    return await replayInto(name, config);
  } finally {
    lock.release();
  }
};

const replayInto = async (name: string, config: ReturnType<typeof configFrom>): Promise<number> => {
  const log = openLog(config, { sequence: false, onMigrate: migrationBar() });
  try {
    const readSide = await createConfiguredReadSide({
      config,
      log,
      logger: createLogger(config.logLevel),
    });
    try {
      const bar = createProgressBar(`replay ${name}`);
      let last = { done: 0, total: 0 };
      await readSide.runner.replay(name, {
        onProgress: (p) => {
          last = p;
          bar.update(p.done, p.total);
        },
      });
      bar.done(last.done, last.total);
      say(`replayed ${last.done} events into ${name}`);
      return 0;
    } finally {
      await readSide.close();
    }
  } finally {
    await log.close();
  }
};

/** `gouvernail demo`: loads a realistic platform story into a running instance. */
export const runDemo = async (flags: Flags): Promise<number> => {
  const config = configFrom(flags);
  const url = (flags.url ?? `http://127.0.0.1:${config.port}`).replace(/\/$/, '');
  checkServiceUrl(url);
  const signing = localSigningSecret(config, 'demo');
  if ('exit' in signing) return signing.exit;
  const token = await signLocalToken(signing.secret, {
    sub: 'gouvernail-demo',
    role: 'producer',
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: 300,
  });
  const loaded = await loadDemo(url, token);
  say(`loaded ${loaded.lineage} OpenLineage events and ${loaded.audit} audit events into ${url}`);
  say(
    'try: the GraphiQL queries in README.md ("First queries"), with a token from `gouvernail token --role admin`',
  );
  return 0;
};

/** `gouvernail certificate CASE`: the signed erasure certificate of a certified case, from the log. */
export const runCertificate = async (caseId: string | undefined, flags: Flags): Promise<number> => {
  if (!caseId) {
    complain('certificate: a case id is required');
    return 2;
  }
  const config = configFrom(flags);
  if (existingTreeFile(config, 'certificate') === undefined) return 1;
  const log = openLog(config, { sequence: false, onMigrate: migrationBar() });
  try {
    const { entries } = await loadCase(log, caseId);
    if (entries.length === 0) {
      complain(`certificate: no erasure case '${caseId}'`);
      return 1;
    }
    const certified = entries.find((e) => e.event.type === 'ErasureCertified');
    if (certified?.event.type !== 'ErasureCertified') {
      complain(`certificate: case '${caseId}' is not certified yet`);
      return 1;
    }
    const text = `${JSON.stringify(certified.event.data.certificate, null, 2)}\n`;
    if (flags.out) {
      writeFileSync(flags.out, text);
      say(`wrote the erasure certificate of ${caseId} to ${flags.out}`);
    } else process.stdout.write(text);
    return 0;
  } finally {
    await log.close();
  }
};

/** `gouvernail verify-certificate FILE --key KEYFILE`: offline, trusting only the key. */
export const runVerifyCertificate = (file: string | undefined, flags: Flags): number => {
  if (!file || !flags.key) {
    complain('verify-certificate: a certificate FILE and --key KEYFILE are required');
    return 2;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    complain(`FAIL: ${file} is not a JSON certificate: ${(e as Error).message}`);
    return 1;
  }
  const verdict = verifyCertificate(doc, readFileSync(flags.key, 'utf8'));
  if (!verdict.ok) {
    for (const p of verdict.problems) complain(`FAIL: ${p.code}: ${p.message}`);
    return 1;
  }
  const c = doc as { caseId?: string; subject?: string; events?: unknown[] };
  say(
    `OK: erasure certificate of case ${c.caseId ?? '?'} (subject ${c.subject ?? '?'}) verifies: signature, ${c.events?.length ?? 0} inclusion proofs, consistency proof, every task done, keys destroyed, no trace of the canary`,
  );
  return 0;
};
