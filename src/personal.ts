import { MissingDataKeyError, type KeyVault } from './crypto/key-vault.js';
import { SealError, unsealFields } from './crypto/seal.js';
import type { VerifiableLog } from './log/verifiable-log.js';

export interface PersonalReader {
  /**
   * A subject's personal fields in one event, decrypted. Throws SealError 'key-destroyed' once the
   * subject was erased (the vault keeps a tombstone of the key), 'key-missing' when the vault holds
   * no record of the key (lost or replaced: not an erasure), and a plain Error when the event or its
   * sealed fields do not exist.
   */
  read(eventId: string, subject: string): Promise<Record<string, unknown>>;
}

/** Unseals personal fields; callers record every read as an AccessRecorded event. */
export const createPersonalReader = ({
  log,
  vault,
  origin,
}: {
  log: VerifiableLog;
  vault: KeyVault;
  origin: string;
}): PersonalReader => ({
  read: async (eventId, subject) => {
    const position = await log.positionOf(eventId);
    if (position === null) throw new Error(`no event with id '${eventId}'`);
    const [stored] = await log.read(position, 1);
    const ref = stored?.event.sealed?.[subject];
    if (!ref) throw new Error(`event '${eventId}' holds no personal fields of ${subject}`);
    const blob = log.sealedBlob(position, subject, ref.commitment);
    if (!blob)
      throw new SealError(
        'key-destroyed',
        `the personal fields of ${subject} in '${eventId}' were erased`,
      );
    let key;
    try {
      key = await vault.keyById(ref.keyId);
    } catch (error) {
      if (!(error instanceof MissingDataKeyError)) throw error;
      throw new SealError(
        'key-missing',
        `data key ${ref.keyId} of subject ${subject} is missing from the key vault: the vault was lost, replaced or rolled back (the subject was not erased); restore keys.sqlite from a backup`,
        { cause: error },
      );
    }
    return unsealFields({ origin, eventId, subject, ref, blob, key });
  },
});
