import { describe, expect, it } from 'vitest';
import type { KeyVault } from '../../../src/crypto/key-vault.js';

const ada = 'subj_AdaAdaAdaAdaAdaAda01';
const bob = 'subj_BobBobBobBobBobBob02';

/** The behaviour every KeyVault adapter shares. */
export const keyVaultContract = (name: string, open: () => Promise<KeyVault> | KeyVault) => {
  describe(`${name}: KeyVault contract`, () => {
    it('creates one 32-byte key per subject on first use and returns it again', async () => {
      const vault = await open();
      const first = await vault.dataKeys([ada, bob, ada]);
      expect([...first.keys()].sort()).toEqual([ada, bob]);
      const key = first.get(ada)!;
      expect(key.subject).toBe(ada);
      expect(key.keyId).toMatch(/^dk_[A-Za-z0-9_-]{22}$/);
      expect(key.key.length).toBe(32);
      expect(first.get(bob)!.keyId).not.toBe(key.keyId);
      expect((await vault.dataKeys([ada])).get(ada)).toEqual(key);
      expect(await vault.keyById(key.keyId)).toEqual(key);
      await vault.close();
    });

    it('says a key id it has no record of is missing (not destroyed), and finds nothing to destroy for an unknown subject', async () => {
      const vault = await open();
      await expect(vault.keyById('dk_unknown')).rejects.toThrow(
        'data key dk_unknown is missing from the key vault',
      );
      expect(await vault.destroySubjectKeys('subj_NobodyNobodyNobody0')).toEqual([]);
      await vault.close();
    });

    it('destroys only the subject keys, and gives the subject a new key afterwards', async () => {
      const vault = await open();
      const before = await vault.dataKeys([ada, bob]);
      const adaKey = before.get(ada)!;
      expect(await vault.destroySubjectKeys(ada)).toEqual([adaKey.keyId]);
      expect(await vault.keyById(adaKey.keyId)).toBeNull();
      expect(await vault.destroySubjectKeys(ada)).toEqual([]);
      expect(await vault.keyById(before.get(bob)!.keyId)).toEqual(before.get(bob));

      const fresh = (await vault.dataKeys([ada])).get(ada)!;
      expect(fresh.keyId).not.toBe(adaKey.keyId);
      expect(Buffer.from(fresh.key).equals(adaKey.key)).toBe(false);
      expect(await vault.destroySubjectKeys(ada)).toEqual([fresh.keyId]);
      await vault.close();
    });

    it('names, for an erasure case, the keys it destroyed in an earlier call too', async () => {
      const vault = await open();
      const first = (await vault.dataKeys([ada])).get(ada)!;
      expect(await vault.destroySubjectKeys(ada, 'case-1')).toEqual([first.keyId]);
      // The call's answer was lost (a crash): asked again, the case still gets its key.
      expect(await vault.destroySubjectKeys(ada, 'case-1')).toEqual([first.keyId]);
      const second = (await vault.dataKeys([ada])).get(ada)!;
      expect(await vault.destroySubjectKeys(ada, 'case-2')).toEqual([second.keyId]);
      expect(await vault.destroySubjectKeys(ada, 'case-1')).toEqual([first.keyId]);
      await vault.close();
    });
  });
};
