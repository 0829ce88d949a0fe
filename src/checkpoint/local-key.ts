import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config-error.js';
import { loadOrCreateSecretFile } from '../secrets.js';
import { formatVerifierKey } from './note.js';
import { generateSigningKey, publicKeyToSpkiPem, signerFromPkcs8Pem, type Signer } from './keys.js';

const keyName = 'checkpoint-key.pem';

/** Where the checkpoint signing key of the data directory's log is kept. */
export const checkpointKeyFile = (dataDir: string): string => join(dataDir, keyName);

const signerOf = (
  dataDir: string,
  origin: string,
  pem: string,
): { signer: Signer; vkey: string; spkiPem: string } => {
  let signer: Signer;
  try {
    signer = signerFromPkcs8Pem(origin, pem);
  } catch (cause) {
    throw new ConfigError(
      `${checkpointKeyFile(dataDir)} is not an Ed25519 PKCS#8 PEM key: restore it from a backup; if the log holds no signed checkpoint yet, delete it to have a new one made`,
      { cause },
    );
  }
  return {
    signer,
    vkey: formatVerifierKey({ name: origin, publicKey: signer.publicKey }),
    spkiPem: publicKeyToSpkiPem(signer.publicKey),
  };
};

/** The checkpoint signing key of this log, kept in `<dataDir>/checkpoint-key.pem` (0600). */
export const loadOrCreateCheckpointSigner = (
  dataDir: string,
  origin: string,
): { signer: Signer; vkey: string; spkiPem: string } =>
  signerOf(
    dataDir,
    origin,
    loadOrCreateSecretFile(dataDir, keyName, () => generateSigningKey(origin).privateKeyPem),
  );

/**
 * The verifier key (vkey) of the data directory's checkpoint key, for commands that only read:
 * undefined when the directory has no key file, which is never created here.
 */
export const existingCheckpointVerifierKey = (
  dataDir: string,
  origin: string,
): string | undefined => {
  const file = checkpointKeyFile(dataDir);
  if (!existsSync(file)) return undefined;
  return signerOf(dataDir, origin, readFileSync(file, 'utf8').trim()).vkey;
};
