/**
 * RFC 5424 §6.2.3 TIMESTAMP: an RFC 3339 `date-time` with an upper-case "T" and "Z", a mandatory offset
 * and at most six fraction digits (§6.2.3.1 example 5 declares nine digits invalid). A leap second (:60)
 * is allowed as in RFC 3339 §5.7. Checked character by character: it runs for every RFC 5424 message.
 */

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The number written by `count` digits at `at`, or -1 if any of them is not a digit. */
function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Whether `text` is a valid RFC 5424 TIMESTAMP other than the NILVALUE. */
export function isRfc3339Timestamp(text: string): boolean {
  // FULL-DATE "T" PARTIAL-TIME: YYYY-MM-DDThh:mm:ss is 19 characters.
  if (text.length < 20) return false;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return false;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return false;
  let i = 19;
  if (text[i] === '.') {
    const start = ++i;
    while (i < text.length && i - start < 7 && digits(text, i, 1) >= 0) i++;
    if (i === start || i - start > 6) return false;
  }
  // TIME-OFFSET = "Z" / TIME-NUMOFFSET ("+" / "-") hh ":" mm
  if (text[i] === 'Z') return i + 1 === text.length;
  if (text[i] !== '+' && text[i] !== '-') return false;
  if (i + 6 !== text.length || text[i + 3] !== ':') return false;
  const offsetHour = digits(text, i + 1, 2);
  const offsetMinute = digits(text, i + 4, 2);
  return offsetHour >= 0 && offsetHour <= 23 && offsetMinute >= 0 && offsetMinute <= 59;
}
