import { describe, expect, it } from 'vitest';
import { tlsHint } from '../../../src/kafka/client.js';

describe('tlsHint', () => {
  it.each([
    ['Connection error: self-signed certificate in certificate chain', 'TLS_CA_FILE'],
    ['Connection error: unable to verify the first certificate', 'TLS_CA_FILE'],
    [
      "Connection error: Hostname/IP does not match certificate's altnames: IP: 10.0.0.1 is not in the cert's list: 127.0.0.1",
      'TLS_CA_FILE',
    ],
    [
      'Connection error: 801C0C183A7F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42',
      'TLS_CERT_FILE',
    ],
    [
      'Connection error: C0B7:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required',
      'TLS_CERT_FILE',
    ],
    [
      'Connection error: 40E8:error:0A00010B:SSL routines:ssl3_get_record:wrong version number',
      'GOUVERNAIL_KAFKA_TLS and',
    ],
    [
      'Connection error: Client network socket disconnected before secure TLS connection was established',
      'GOUVERNAIL_KAFKA_TLS and',
    ],
  ])('names the setting to check for %s', (message, key) => {
    expect(tlsHint(message)).toContain(key);
  });

  it('has nothing to say about other errors', () => {
    expect(tlsHint('Connection error: connect ECONNREFUSED 127.0.0.1:9092')).toBeUndefined();
    expect(
      tlsHint(
        'SASL PLAIN authentication failed: Authentication failed: Invalid username or password',
      ),
    ).toBeUndefined();
  });
});
