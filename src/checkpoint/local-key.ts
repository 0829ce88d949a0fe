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
  const signer = signerFromPkcs8Pem(origin, pem);
  return {
    signer,
    vkey: formatVerifierKey({ name: origin, publicKey: signer.publicKey }),
    spkiPem: publicKeyToSpkiPem(signer.publicKey),
  };
};
