import type { AccessRecordedData } from '../../../domain/events/access.js';
import type { RecordedEnvelope } from '../../../domain/envelope.js';
import { recorded } from '../../support/events.js';

export const accessEvent = (
  data: Partial<AccessRecordedData> = {},
  envelope: Partial<Omit<RecordedEnvelope, 'type' | 'data'>> = {},
) =>
  recorded(
    'AccessRecorded',
    {
      principal: 'alice',
      resource: 'kafka://main/orders',
      action: 'read',
      decision: 'allowed',
      mechanism: 'kafka-acl',
      ...data,
    },
    envelope,
  );
