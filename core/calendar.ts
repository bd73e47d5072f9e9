// Calendar dates as Chinese records write them (YYYY-MM-DD), and "today" in China: one definition for the import's row
// checks, recognition's and the resident identity number's birth date. Checked by arithmetic, not by building a Date:
// an import checks four dates a row.

const CST_OFFSET_MS = 8 * 3600 * 1000
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Today's date (YYYY-MM-DD) in China Standard Time (UTC+8, no daylight saving): the calendar Chinese records are in. */
export const chinaToday = (now: Date): string => new Date(now.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10)

/** Whether year, month (1-12) and day name a day of the (proleptic) Gregorian calendar. */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day) || month < 1 || month > 12 || day < 1) return false
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  return day <= (month === 2 && leap ? 29 : DAYS[month - 1]!)
}

/** Whether `text` is a real date written YYYY-MM-DD, in `minYear` or later. */
export function isIsoDate(text: string, minYear = 0): boolean {
  const m = DATE.exec(text)
  return m !== null && Number(m[1]) >= minYear && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]))
}
