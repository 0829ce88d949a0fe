import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, verifierFromVkey } from '../../../src/checkpoint/keys.js';
import {
  formatCheckpointBody,
  formatVerifierKey,
  NoteError,
  parseCheckpointBody,
  parseNote,
  parseVerifierKey,
  signNote,
  verifyNote,
} from '../../../src/checkpoint/note.js';

const { signer, vkey } = generateSigningKey('audit.example/gouvernail');
const verifier = verifierFromVkey(vkey);
const root = new Uint8Array(32).map((_, i) => i * 7);
const body = formatCheckpointBody({ origin: 'audit.example/gouvernail', size: 20852163, root });
const note = signNote(body, signer);

const reason = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(NoteError);
    return (error as NoteError).reason;
  }
};

describe('checkpoint notes', () => {
  it('formats the C2SP checkpoint body and signature line', () => {
    expect(body).toBe(
      `audit.example/gouvernail\n20852163\n${Buffer.from(root).toString('base64')}\n`,
    );
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual(body.split('\n'));
    expect(lines[4]).toMatch(/^\u2014 audit\.example\/gouvernail [A-Za-z0-9+/]{91}=$/);
    expect(lines[5]).toBe('');
    const sig = Buffer.from(lines[4]?.split(' ')[2] ?? '', 'base64');
    expect(sig.length).toBe(68);
    expect(new Uint8Array(sig.subarray(0, 4))).toEqual(signer.keyHash);
  });

  it('round-trips any checkpoint through sign and verify', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/\p{Cc}/u.test(s)),
        fc.nat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (origin, size, r) => {
          const signed = signNote(formatCheckpointBody({ origin, size, root: r }), signer);
          const checkpoint = verifyNote(signed, verifier);
          expect(checkpoint.origin).toBe(origin);
          expect(checkpoint.size).toBe(size);
          expect(Buffer.from(checkpoint.root).equals(Buffer.from(r))).toBe(true);
        },
      ),
    );
  });

  it('refuses an altered body or signature', () => {
    expect(reason(() => verifyNote(note.replace('20852163', '20852164'), verifier))).toBe(
      'bad-signature',
    );
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const line = note.split('\n')[4] ?? '';
        const payload = Buffer.from(line.split(' ')[2] ?? '', 'base64');
        const i = 4 + (at % 64);
        payload[i] = (payload[i] ?? 0) ^ mask;
        const forged = `${body}\n\u2014 ${signer.name} ${payload.toString('base64')}\n`;
        expect(reason(() => verifyNote(forged, verifier))).toBe('bad-signature');
      }),
    );
  });

  it('refuses a note signed by another key, even under the same name', () => {
    const other = generateSigningKey('audit.example/gouvernail');
    expect(reason(() => verifyNote(signNote(body, other.signer), verifier))).toBe('unknown-key');
    const renamed = generateSigningKey('someone.else/log');
    expect(reason(() => verifyNote(signNote(body, renamed.signer), verifier))).toBe('unknown-key');
  });

  it('ignores signatures by unknown keys next to a valid one', () => {
    const witness = generateSigningKey('witness.example/w1');
    const witnessLine = signNote(body, witness.signer).slice(body.length + 1);
    const cosigned = `${note}${witnessLine}\u2014 future.example/pq ${Buffer.alloc(100, 1).toString('base64')}\n`;
    expect(parseNote(cosigned).signatures).toHaveLength(3);
    expect(verifyNote(cosigned, verifier).size).toBe(20852163);
    const witnessFirst = `${body}\n${witnessLine}${note.slice(body.length + 1)}`;
    expect(verifyNote(witnessFirst, verifier).size).toBe(20852163);
  });

  it('refuses malformed notes with the reason', () => {
    const sigLine = note.slice(body.length + 1);
    const cases: [string, RegExp][] = [
      [body, /blank line/],
      [note.slice(0, -1), /end with a newline/],
      [`${body}\n`, /no signature lines/],
      [`${body}\n- ${sigLine.slice(2)}`, /em dash/],
      [`${body}\n${sigLine.replace(' ', '  ')}`, /signature line|key name/],
      [`${body}\n${sigLine.slice(0, -2)}\n`, /base64/],
      [`${body}\n\u2014 a+b ${sigLine.split(' ')[2] ?? ''}`, /key name/],
      [`${body.replace('\n', '\r\n')}\n${sigLine}`, /control character/],
      [`${body}\n${sigLine.repeat(101)}`, /more than 100/],
    ];
    for (const [text, message] of cases) {
      expect(() => verifyNote(text, verifier), JSON.stringify(text)).toThrow(message);
      expect(reason(() => verifyNote(text, verifier))).toBe('malformed');
    }
  });

  it('parses checkpoint bodies strictly', () => {
    const r = Buffer.from(root).toString('base64');
    expect(parseCheckpointBody(`o\n0\n${r}\n`).size).toBe(0);
    expect(parseCheckpointBody(`o\n5\n${r}\nextension\n`).size).toBe(5);
    for (const bad of [
      `o\n5\n${r}`,
      `o\n05\n${r}\n`,
      `o\n-5\n${r}\n`,
      `o\n5\n`,
      `\n5\n${r}\n`,
      `o\n5\n${r.slice(4)}\n`,
      `o\n5\n${r}\n\n`,
      `o\n99999999999999999999\n${r}\n`,
    ]) {
      expect(() => parseCheckpointBody(bad), JSON.stringify(bad)).toThrow(NoteError);
    }
    expect(() => formatCheckpointBody({ origin: 'a\nb', size: 1, root })).toThrow(NoteError);
    expect(() => formatCheckpointBody({ origin: 'o', size: -1, root })).toThrow(NoteError);
    expect(() => formatCheckpointBody({ origin: 'o', size: 1, root: new Uint8Array(31) })).toThrow(
      NoteError,
    );
  });

  it('round-trips verifier keys and refuses one whose key ID does not match', () => {
    const parsed = parseVerifierKey(vkey);
    expect(parsed.name).toBe(signer.name);
    expect(parsed.keyHash).toEqual(signer.keyHash);
    expect(parsed.publicKey).toEqual(signer.publicKey);
    expect(formatVerifierKey(parsed)).toBe(vkey);
    expect(vkey).toMatch(/^audit\.example\/gouvernail\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    const name = signer.name;
    const hash = vkey.slice(name.length + 1, name.length + 9);
    const key = vkey.slice(name.length + 10);
    const wrongId = `${name}+${hash.slice(0, 7)}${hash.endsWith('0') ? '1' : '0'}+${key}`;
    expect(() => parseVerifierKey(wrongId)).toThrow(/does not match/);
    expect(() => parseVerifierKey(`other.name+${hash}+${key}`)).toThrow(/does not match/);
    expect(() => parseVerifierKey('nonsense')).toThrow(NoteError);
    const typed = Buffer.from(key, 'base64');
    typed[0] = 0x02;
    expect(() => parseVerifierKey(`${name}+${hash}+${typed.toString('base64')}`)).toThrow(
      /not Ed25519/,
    );
  });

  it('agrees with the key ID of the C2SP signed-note definition', async () => {
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256')
      .update(
        Buffer.concat([Buffer.from(signer.name), Buffer.from([0x0a, 0x01]), signer.publicKey]),
      )
      .digest()
      .subarray(0, 4);
    expect(Buffer.from(signer.keyHash).equals(expected)).toBe(true);
    expect(vkey.split('+')[1]).toBe(expected.toString('hex'));
  });
});
