import { daysInMonth, utcDate } from '../utc-date.js';

/** Whether `value` is an RFC 3339 instant that `Date.parse` understands. */
export const isInstant = (value: string): boolean => !Number.isNaN(Date.parse(value));

/**
 * The GDPR applies from 25 May 2018 (Art. 99(2)); this is the first instant that was 25 May
 * anywhere (midnight at UTC+14). A request received earlier is no GDPR request: far more likely a
 * mistyped date, whose due date would be long past.
 */
export const GDPR_APPLIES_FROM = '2018-05-24T10:00:00.000Z';

/**
 * `instant` plus `months` calendar months, in UTC, at the same time of day; when the target month is
 * shorter, the last day of that month (Jan 31 + 1 month → Feb 28, or Feb 29 in a leap year). This
 * is how Regulation (EEC, Euratom) No 1182/71 Art. 3(2)(c) counts periods in months.
 *
 * @throws RangeError when `instant` is not a valid timestamp.
 */
export const addCalendarMonths = (instant: string, months: number): string => {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an RFC 3339 timestamp: ${instant}`);
  const t = new Date(ms);
  const monthIndex = t.getUTCMonth() + months;
  const year = t.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const day = Math.min(t.getUTCDate(), daysInMonth(year, month));
  return utcDate(
    year,
    month,
    day,
    t.getUTCHours(),
    t.getUTCMinutes(),
    t.getUTCSeconds(),
    t.getUTCMilliseconds(),
  ).toISOString();
};

/** Months a controller has to answer an erasure request before any extension (GDPR Art. 12(3)). */
export const RESPONSE_MONTHS = 1;
/** Further months the deadline may be extended by, in total (GDPR Art. 12(3)). */
export const MAX_EXTENSION_MONTHS = 2;

/**
 * The deadline of a request received at `receivedAt`, after `extensionMonths` of extensions:
 * always counted from the receipt, never from the previous deadline, so Jan 31 gives Feb 28, then
 * Mar 31 (not Mar 28) after a one-month extension.
 */
export const dueDate = (receivedAt: string, extensionMonths = 0): string =>
  addCalendarMonths(receivedAt, RESPONSE_MONTHS + extensionMonths);
