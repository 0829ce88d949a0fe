import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The Kafka jars scripts/services installs: the Java client and its compression libraries. */
const KAFKA_LIB = join(ROOT, '.ci/svc/kafka/lib');

/** Runs one of test/support/java/ with the Kafka jars on the class path. */
const runJava = async (source: string, args: readonly string[]): Promise<void> => {
  if (!existsSync(KAFKA_LIB))
    throw new Error(`no Kafka jars at ${KAFKA_LIB}: run scripts/services/up.sh kafka first`);
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  await run(java, ['-cp', `${KAFKA_LIB}/*`, join(ROOT, 'test/support/java', source), ...args], {
    timeout: 60_000,
  });
};

/** Sends `values` to `topic` with the real Java producer, compressed with `codec`. */
export const sendWithJavaProducer = (
  brokers: readonly string[],
  topic: string,
  codec: 'snappy' | 'lz4' | 'zstd' | 'gzip',
  values: readonly string[],
): Promise<void> =>
  runJava('CompressedProducer.java', [brokers.join(','), topic, codec, ...values]);

/**
 * Sends one record to a partition with the real Java producer, with headers in this order; a null
 * value makes a header without value, which kafkajs cannot send.
 */
export const sendHeadersWithJavaProducer = (
  brokers: readonly string[],
  topic: string,
  partition: number,
  value: string,
  headers: readonly [string, string | null][],
): Promise<void> =>
  runJava('HeadersProducer.java', [
    brokers.join(','),
    topic,
    String(partition),
    value,
    ...headers.map(([name, v]) => (v === null ? name : `${name}=${v}`)),
  ]);
