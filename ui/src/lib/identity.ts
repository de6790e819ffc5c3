// Recipient identity numbers as typed: personnummer, samordningsnummer and
// organisationsnummer in any common format, checked as the officer types
// (format, date, check digit) before the backend looks the recipient up.

export type IdentityProblem =
  | "empty"
  | "format"
  | "plus"
  | "date"
  | "future"
  | "too_old"
  | "organisation"
  | "checksum";

export type ParsedIdentity =
  | { ok: true; kind: "person" | "coordination" | "organisation"; wire: string; display: string }
  | { ok: false; problem: IdentityProblem };

/** The oldest age a number may give (the core's `OLDEST_AGE`). */
export const OLDEST_AGE = 120;

/** Luhn check digit over the ten-digit form. */
export function luhnValid(tenDigits: string): boolean {
  let sum = 0;
  for (let i = 0; i < tenDigits.length; i++) {
    let d = Number(tenDigits[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

/** [year, month, day] compared as a tuple. */
type Ymd = [number, number, number];
function compare(a: Ymd, b: Ymd): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Parses what the officer typed, by the same rules as the core
 * (`kuvert_protocol::identity`; `tests/vectors/identity-numbers.json` is run
 * against both). `today` decides the century of ten-digit numbers (a `+`
 * separator means a hundred years older). One `-`, `+` or space may stand
 * before the last four digits.
 */
export function parseIdentity(text: string, today: Date = new Date()): ParsedIdentity {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, problem: "empty" };
  if (!/^(\d{6}|\d{8})[-+ ]?\d{4}$/.test(trimmed)) return { ok: false, problem: "format" };
  const plus = trimmed.includes("+");
  const digits = trimmed.replace(/[-+ ]/g, "");
  const ten = digits.length === 12 ? digits.slice(2) : digits;
  const long = digits.length === 12;
  const century = long ? Number(digits.slice(0, 2)) : null;
  if (plus && long) return { ok: false, problem: "plus" };
  // Organisation numbers: the "month" is 20 or more; after 16 they must be.
  if (century === 16 || Number(ten[2]) >= 2) {
    if (century !== null && century !== 16) return { ok: false, problem: "format" };
    if (Number(ten[2]) < 2) return { ok: false, problem: "organisation" };
    if (plus) return { ok: false, problem: "plus" };
    if (ten[0] === "0" || ten[0] === "4") return { ok: false, problem: "organisation" };
    if (!luhnValid(ten)) return { ok: false, problem: "checksum" };
    return { ok: true, kind: "organisation", wire: `16${ten}`, display: `${ten.slice(0, 6)}-${ten.slice(6)}` };
  }
  if (century !== null && (century < 18 || century > 20)) return { ok: false, problem: "format" };
  const month = Number(ten.slice(2, 4));
  const rawDay = Number(ten.slice(4, 6));
  const coordination = rawDay > 60;
  const day = coordination ? rawDay - 60 : rawDay;
  const now: Ymd = [today.getFullYear(), today.getMonth() + 1, today.getDate()];
  let year: number;
  if (long) {
    year = Number(digits.slice(0, 4));
  } else {
    const yy = Number(ten.slice(0, 2));
    year = now[0] - (now[0] % 100) + yy;
    if (compare([year, month, day], now) > 0) year -= 100;
    if (plus) year -= 100;
  }
  if (!validDate(year, month, day)) return { ok: false, problem: "date" };
  const born: Ymd = [year, month, day];
  if (compare(born, now) > 0) return { ok: false, problem: "future" };
  const hadBirthday = compare([0, now[1], now[2]], [0, month, day]) >= 0;
  if (now[0] - year - (hadBirthday ? 0 : 1) > OLDEST_AGE) return { ok: false, problem: "too_old" };
  if (!luhnValid(ten)) return { ok: false, problem: "checksum" };
  const wire = `${String(year).padStart(4, "0")}${ten.slice(2)}`;
  return {
    ok: true,
    kind: coordination ? "coordination" : "person",
    wire,
    display: `${wire.slice(0, 8)}-${wire.slice(8)}`,
  };
}
