import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The Kafka jars scripts/services installs: the Java client and its compression libraries. */
const KAFKA_LIB = join(ROOT, '.ci/svc/kafka/lib');
const SOURCE = join(ROOT, 'test/support/java/CompressedProducer.java');

/** Sends `values` to `topic` with the real Java producer, compressed with `codec`. */
export const sendWithJavaProducer = async (
  brokers: readonly string[],
  topic: string,
  codec: 'snappy' | 'lz4' | 'zstd' | 'gzip',
  values: readonly string[],
): Promise<void> => {
  if (!existsSync(KAFKA_LIB))
    throw new Error(`no Kafka jars at ${KAFKA_LIB}: run scripts/services/up.sh kafka first`);
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  await run(java, ['-cp', `${KAFKA_LIB}/*`, SOURCE, brokers.join(','), topic, codec, ...values], {
    timeout: 60_000,
  });
};
