/** Events as a producer would POST them. */
export const newAccessEvent = (
  id: string,
  overrides: { subject?: string; email?: string; resource?: string } = {},
) => ({
  id,
  type: 'AccessRecorded',
  schemaVersion: 1,
  occurredAt: '2026-11-20T10:00:00.000Z',
  producer: 'kafka-authorizer',
  actor: { principal: 'User:etl', role: 'analyst' },
  subjects: overrides.subject ? [overrides.subject] : [],
  ...(overrides.subject && overrides.email
    ? { personal: { [overrides.subject]: { email: overrides.email } } }
    : {}),
  data: {
    principal: 'User:etl',
    resource: overrides.resource ?? 'kafka://prod/orders',
    action: 'read',
    decision: 'allowed',
    mechanism: 'kafka-acl',
  },
});

/** An event only gouvernail itself may record, as a hostile producer would send it. */
export const forgedCertificate = (id: string) => ({
  id,
  type: 'ErasureCertified',
  schemaVersion: 1,
  occurredAt: '2026-11-20T10:00:00.000Z',
  producer: 'mallory',
  actor: { principal: 'mallory', role: 'producer' },
  data: { caseId: 'c-1', certificateSha256: 'A'.repeat(43), certificate: {} },
});

export const post = (
  url: string,
  token: string,
  body: string,
  contentType = 'application/json',
): Promise<Response> =>
  fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  });
