import type { KeyVault } from './crypto/key-vault.js';
import { SealError, unsealFields } from './crypto/seal.js';
import type { VerifiableLog } from './log/verifiable-log.js';

export interface PersonalReader {
  /**
   * A subject's personal fields in one event, decrypted. Throws SealError 'key-destroyed' once the
   * subject was erased, and a plain Error when the event or its sealed fields do not exist.
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
    return unsealFields({
      origin,
      eventId,
      subject,
      ref,
      blob,
      key: await vault.keyById(ref.keyId),
    });
  },
});
