import { join } from 'node:path';
import { ConfigError } from '../config-error.js';
import { loadOrCreateSecretFile } from '../secrets.js';
import { formatVerifierKey } from './note.js';
import { generateSigningKey, publicKeyToSpkiPem, signerFromPkcs8Pem, type Signer } from './keys.js';

/** The checkpoint signing key of this log, kept in `<dataDir>/checkpoint-key.pem` (0600). */
export const loadOrCreateCheckpointSigner = (
  dataDir: string,
  origin: string,
): { signer: Signer; vkey: string; spkiPem: string } => {
  const pem = loadOrCreateSecretFile(
    dataDir,
    'checkpoint-key.pem',
    () => generateSigningKey(origin).privateKeyPem,
  );
  let signer: Signer;
  try {
    signer = signerFromPkcs8Pem(origin, pem);
  } catch (cause) {
    throw new ConfigError(
      `${join(dataDir, 'checkpoint-key.pem')} is not an Ed25519 PKCS#8 PEM key: restore it from a backup; if the log holds no signed checkpoint yet, delete it to have a new one made`,
      { cause },
    );
  }
  return {
    signer,
    vkey: formatVerifierKey({ name: origin, publicKey: signer.publicKey }),
    spkiPem: publicKeyToSpkiPem(signer.publicKey),
  };
};
