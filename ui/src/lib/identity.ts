// Recipient identity numbers as typed: personnummer, samordningsnummer and
// organisationsnummer in any common format, checked as the officer types
// (format, date, check digit) before the backend looks the recipient up.

export type IdentityProblem = "empty" | "format" | "date" | "checksum";

export type ParsedIdentity =
  | { ok: true; kind: "person" | "coordination" | "organisation"; wire: string; display: string }
  | { ok: false; problem: IdentityProblem };

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

/**
 * Parses what the officer typed. `today` decides the century of ten-digit
 * numbers (a `+` separator means a hundred years older).
 */
export function parseIdentity(text: string, today: Date = new Date()): ParsedIdentity {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, problem: "empty" };
  if (!/^\d{6}(\d{2})?[-+ ]?\d{4}$/.test(trimmed)) return { ok: false, problem: "format" };
  const centenarian = trimmed.includes("+");
  const digits = trimmed.replace(/[-+ ]/g, "");
  const ten = digits.length === 12 ? digits.slice(2) : digits;
  // Organisation numbers: the "month" is 20 or more.
  if (Number(ten.slice(2, 4)) >= 20) {
    if (digits.length === 12 && !digits.startsWith("16")) return { ok: false, problem: "format" };
    if (!luhnValid(ten)) return { ok: false, problem: "checksum" };
    return { ok: true, kind: "organisation", wire: `16${ten}`, display: `${ten.slice(0, 6)}-${ten.slice(6)}` };
  }
  let year: number;
  if (digits.length === 12) {
    year = Number(digits.slice(0, 4));
  } else {
    const yy = Number(ten.slice(0, 2));
    const thisYear = today.getUTCFullYear();
    year = Math.floor(thisYear / 100) * 100 + yy;
    if (year > thisYear) year -= 100;
    if (centenarian) year -= 100;
  }
  const month = Number(ten.slice(2, 4));
  const rawDay = Number(ten.slice(4, 6));
  const coordination = rawDay > 60;
  const day = coordination ? rawDay - 60 : rawDay;
  if (!validDate(year, month, day)) return { ok: false, problem: "date" };
  if (!luhnValid(ten)) return { ok: false, problem: "checksum" };
  const wire = `${String(year).padStart(4, "0")}${ten.slice(2)}`;
  return {
    ok: true,
    kind: coordination ? "coordination" : "person",
    wire,
    display: `${wire.slice(0, 8)}-${wire.slice(8)}`,
  };
}
