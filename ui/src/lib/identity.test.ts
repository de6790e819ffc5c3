import { describe, expect, it } from "vitest";
import { luhnValid, parseIdentity } from "./identity";
import shared from "../../../tests/vectors/identity-numbers.json";

interface Row {
  input: string;
  wire: string | null;
  kind?: string;
  why?: string;
}

// The table the core is tested against too (crates/protocol/tests/protocol/identity_table.rs).
const table = shared as { today: string; rows: Row[] };

describe("the shared identity-number table", () => {
  const [y = 0, m = 1, d = 1] = table.today.split("-").map(Number);
  const tableToday = new Date(y, m - 1, d, 12);
  it("has the rows", () => expect(table.rows.length).toBeGreaterThanOrEqual(40));
  it.each(table.rows.map((r) => [r.input, r] as const))("%j as the core reads it", (_input, row) => {
    const parsed = parseIdentity(row.input, tableToday);
    if (row.wire === null) {
      expect(parsed.ok, row.why).toBe(false);
    } else {
      expect(parsed).toMatchObject({ ok: true, wire: row.wire, kind: row.kind });
    }
  });
});

const today = new Date(Date.UTC(2026, 10, 23));

describe("parseIdentity", () => {
  it.each([
    ["198501012382", "198501012382", "person"],
    ["19850101-2382", "198501012382", "person"],
    ["850101-2382", "198501012382", "person"],
    ["8501012382", "198501012382", "person"],
    ["201701012393", "201701012393", "person"],
    ["170101-2393", "201701012393", "person"],
    ["270517-8354", "192705178354", "person"],
    ["202201612385", "202201612385", "coordination"],
    ["202100-3898", "162021003898", "organisation"],
    ["5568402266", "165568402266", "organisation"],
  ])("accepts %s", (input, wire, kind) => {
    expect(parseIdentity(input, today)).toMatchObject({ ok: true, wire, kind });
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    ["abc", "format"],
    ["1985-01-01-2382", "format"],
    ["198502302382", "date"],
    ["198513012382", "date"],
    ["198501012383", "checksum"],
    ["202100-3899", "checksum"],
  ])("rejects %j as %s", (input, problem) => {
    expect(parseIdentity(input, today)).toEqual({ ok: false, problem });
  });

  it("reads + as a hundred years older, up to 120 years", () => {
    const later = new Date(2027, 5, 1, 12);
    expect(parseIdentity("270517+8354", later)).toMatchObject({ ok: true, wire: "192705178354" });
    expect(parseIdentity("850101+2382", later)).toEqual({ ok: false, problem: "too_old" });
  });

  it("shows the twelve-digit form with a hyphen", () => {
    expect(parseIdentity("850101-2382", today)).toMatchObject({ display: "19850101-2382" });
  });

  it("computes the Luhn check", () => {
    expect(luhnValid("8501012382")).toBe(true);
    expect(luhnValid("8501012383")).toBe(false);
  });
});
