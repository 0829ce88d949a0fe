import { parseArgs } from 'node:util';
import {
  runCertificate,
  runDemo,
  runProof,
  runReplay,
  runVerifyCertificate,
  runSchemas,
  runToken,
  runVerify,
  runVerifyProof,
} from './commands.js';

const USAGE = `gouvernail — tamper-evident audit and lineage log

Usage:
  gouvernail serve [--data-dir DIR] [--port N] [--host H]   run the service (embedded SQLite by default)
  gouvernail verify [--data-dir DIR] [--key KEYFILE]        recompute the tree, check every checkpoint
  gouvernail proof EVENT_ID [--data-dir DIR] [--out FILE]   write the inclusion proof of an event
  gouvernail verify-proof FILE --key KEYFILE                check a proof offline (no server, no data)
  gouvernail token --role ROLE [--sub NAME] [--ttl SECONDS] [--data-dir DIR]
                                                            a development token signed with the local key
  gouvernail replay PROJECTION [--data-dir DIR]             rebuild a read model from position 0
                                                            (accessHistory, configHistory, lineageGraph, erasureCases)
  gouvernail certificate CASE_ID [--data-dir DIR] [--out FILE]
                                                            write the signed erasure certificate of a case
  gouvernail verify-certificate FILE --key KEYFILE          check an erasure certificate offline
  gouvernail demo [--url URL] [--data-dir DIR]              load a demo platform story into a running instance
  gouvernail schemas --out DIR                              write the JSON Schema of every event type
`;

const options = {
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  key: { type: 'string' },
  out: { type: 'string' },
  role: { type: 'string' },
  sub: { type: 'string' },
  ttl: { type: 'string' },
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * A failed start closes what it opened, so the process normally ends by itself with the exit code
 * set; a driver that leaks a socket or timer (kafkajs has) would keep it running for ever, without
 * listening. After a grace period for the error to be written and logs flushed, exit regardless. The
 * timer is unref'd: it never delays an exit that happens on its own.
 */
const exitAfterFailedStart = (graceMs = 3000): void => {
  setTimeout(() => process.exit(1), graceMs).unref();
};

/** Runs one CLI command; resolves with the process exit code. */
export const main = async (argv: readonly string[]): Promise<number> => {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`gouvernail: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (values['data-dir'] === '') {
    process.stderr.write(
      `gouvernail ${command}: --data-dir is empty; give a directory, or leave the option out for GOUVERNAIL_DATA_DIR or ./data\n`,
    );
    return 2;
  }
  try {
    switch (command) {
      case 'serve': {
        if (
          values.port !== undefined &&
          !(/^\d{1,5}$/.test(values.port) && Number(values.port) <= 65535)
        ) {
          process.stderr.write(
            `gouvernail serve: --port must be a number from 0 to 65535, not '${values.port}'\n`,
          );
          return 2;
        }
        const { serve } = await import('../main.js');
        try {
          await serve({
            ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
            ...(values.port ? { port: Number(values.port) } : {}),
            ...(values.host ? { host: values.host } : {}),
          });
        } catch (error) {
          exitAfterFailedStart();
          throw error;
        }
        return 0;
      }
      case 'verify':
        return await runVerify(values);
      case 'proof':
        return await runProof(rest[0], values);
      case 'verify-proof':
        return runVerifyProof(rest[0], values);
      case 'replay':
        return await runReplay(rest[0], values);
      case 'certificate':
        return await runCertificate(rest[0], values);
      case 'verify-certificate':
        return runVerifyCertificate(rest[0], values);
      case 'demo':
        return await runDemo(values);
      case 'token':
        return await runToken(values);
      case 'schemas':
        return runSchemas(values);
      default:
        process.stderr.write(`gouvernail: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    process.stderr.write(`gouvernail ${command}: ${(e as Error).message}\n`);
    return 1;
  }
};
