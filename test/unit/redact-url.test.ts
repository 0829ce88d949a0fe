import { describe, expect, it } from 'vitest';
import { withoutPassword } from '../../src/redact-url.js';

describe('a connection string in a message', () => {
  it('keeps the user and server but not the password', () => {
    expect(withoutPassword('mongodb://admin:S3cret@127.0.0.1:1/gouvernail?authSource=admin')).toBe(
      'mongodb://admin:***@127.0.0.1:1/gouvernail?authSource=admin',
    );
    expect(withoutPassword('mongodb+srv://svc:p%40ss:w@cluster.example.org/db')).toBe(
      'mongodb+srv://svc:***@cluster.example.org/db',
    );
  });

  it('is left as it is without a password', () => {
    expect(withoutPassword('mongodb://127.0.0.1:27017/gouvernail')).toBe(
      'mongodb://127.0.0.1:27017/gouvernail',
    );
    expect(withoutPassword('mongodb://admin@127.0.0.1/db')).toBe('mongodb://admin@127.0.0.1/db');
  });
});
