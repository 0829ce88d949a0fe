import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from './durable-file.js';

/**
 * Reads a secret file from the data directory, creating it once (mode 0600, synced, whole or not at
 * all) when absent.
 * Refuses a file readable by group or others.
 */
export const loadOrCreateSecretFile = (
  dataDir: string,
  name: string,
  create: () => string,
): string => {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, name);
  // Whole or not at all: a disk full at the first start must not leave an empty secret behind.
  if (!existsSync(file)) writeFileDurably(file, create(), { replace: false });
  const mode = statSync(file).mode & 0o077;
  if (mode !== 0) throw new Error(`${file} is readable by group or others (chmod 600 it)`);
  return readFileSync(file, 'utf8').trim();
};

/** The embedded HS256 secret for tokens, in `<dataDir>/jwt-secret`. */
export const localJwtSecret = (dataDir: string): string => {
  const secret = loadOrCreateSecretFile(dataDir, 'jwt-secret', () =>
    randomBytes(48).toString('base64url'),
  );
  // The same floor as GOUVERNAIL_JWT_SECRET: a short secret lets anyone mint an admin token.
  if (secret.length < 32)
    throw new Error(
      `${join(dataDir, 'jwt-secret')} holds a secret of ${secret.length} characters; it needs at least 32 (delete it to have a new one made, then mint new tokens)`,
    );
  return secret;
};

/**
 * The HS256 secret the service accepts tokens signed with, or undefined when it accepts none:
 * `GOUVERNAIL_JWT_SECRET` when set; otherwise the generated local secret, but only when no identity
 * provider is configured. Once one is (`GOUVERNAIL_JWT_PUBLIC_KEY_FILE`, `GOUVERNAIL_JWT_JWKS_URL`),
 * a token minted with `gouvernail token` from the data directory's secret file is refused.
 */
export const hs256Secret = (config: {
  readonly dataDir: string;
  readonly jwt: {
    readonly secret: string | undefined;
    readonly publicKeyFile: string | undefined;
    readonly jwksUrl: string | undefined;
  };
}): string | undefined => {
  if (config.jwt.secret !== undefined) return config.jwt.secret;
  if (config.jwt.publicKeyFile !== undefined || config.jwt.jwksUrl !== undefined) return undefined;
  return localJwtSecret(config.dataDir);
};
