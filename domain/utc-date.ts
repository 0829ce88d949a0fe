/**
 * The UTC instant of a calendar date and time, overflowing fields carried over as `Date.UTC` does
 * (day 0 is the last day of the month before). Unlike `Date.UTC`, years 0 to 99 are those years, not
 * 1900 to 1999.
 */
export const utcDate = (
  year: number,
  monthIndex: number,
  day: number,
  hours = 0,
  minutes = 0,
  seconds = 0,
  ms = 0,
): Date => {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  d.setUTCHours(hours, minutes, seconds, ms);
  return d;
};

/** Days in the month `monthIndex` (0 for January) of `year`, in the proleptic Gregorian calendar. */
export const daysInMonth = (year: number, monthIndex: number): number =>
  utcDate(year, monthIndex + 1, 0).getUTCDate();
