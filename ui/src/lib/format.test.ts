import { describe, expect, it } from "vitest";
import { attachmentProblems, dayOf, formatSize, localTime, shortTime, totalTooLarge, typeLabel } from "./format";
import { testProfile } from "./backend/memory";

const rules = testProfile.rules;

describe("formatSize", () => {
  it("uses decimal units and the language's decimal mark", () => {
    expect(formatSize(39, "sv")).toBe("39 byte");
    expect(formatSize(1_400_000, "sv")).toBe("1,4 MB");
    expect(formatSize(1_400_000, "en")).toBe("1.4 MB");
    expect(formatSize(2_500, "en")).toBe("2.5 kB");
  });
});

describe("attachment rules", () => {
  const pdf = { id: 1, name: "a.pdf", content_type: "application/pdf", size: 1000 };
  it("accepts an allowed file", () => {
    expect(attachmentProblems(pdf, rules)).toEqual([]);
    expect(typeLabel(pdf.content_type)).toBe("PDF");
  });
  it.each([
    [{ ...pdf, size: 0 }, ["empty"]],
    [{ ...pdf, size: 20_000_001 }, ["too_large"]],
    [{ ...pdf, content_type: "application/octet-stream" }, ["type_not_allowed"]],
  ])("refuses %j", (attachment, problems) => {
    expect(attachmentProblems(attachment, rules)).toEqual(problems);
  });
  it("checks the total", () => {
    const half = { ...pdf, size: 10_000_001 };
    expect(totalTooLarge([half], rules)).toBe(false);
    expect(totalTooLarge([half, { ...half, id: 2 }], rules)).toBe(true);
  });
});

describe("Swedish local time (issue 10)", () => {
  it.each([
    // Winter time (+01:00) until 01:00 UTC on the last Sunday of March...
    ["2026-03-29T00:59:00Z", "2026-03-29 01:59"],
    ["2026-03-29T01:00:00Z", "2026-03-29 03:00"],
    // ...summer time (+02:00) until 01:00 UTC on the last Sunday of October.
    ["2026-10-25T00:59:00Z", "2026-10-25 02:59"],
    ["2026-10-25T01:00:00Z", "2026-10-25 02:00"],
    // Just after midnight in Sweden, still the day before in UTC.
    ["2026-12-01T23:30:00Z", "2026-12-02 00:30"],
    // The backend's own form, with the offset: shown as it is.
    ["2026-12-02T00:15:03+01:00", "2026-12-02 00:15"],
    ["2026-07-01T14:00:00+02:00", "2026-07-01 14:00"],
  ])("shows %s as %s", (instant, shown) => {
    expect(shortTime(instant)).toBe(shown);
  });

  it.each([
    ["2026-12-01T18:07:00Z", "1 dec. 2026 19:07", "1 Dec 2026 19:07"],
    ["2026-07-01T14:00:00+02:00", "1 juli 2026 14:00", "1 Jul 2026 14:00"],
    ["2026-12-01T23:30:00Z", "2 dec. 2026 00:30", "2 Dec 2026 00:30"],
  ])("reads %s as %s in Swedish and %s in English", (instant, sv, en) => {
    expect(localTime(instant, "sv")).toBe(sv);
    expect(localTime(instant, "en")).toBe(en);
  });

  it("gives the Swedish day", () => {
    expect(dayOf("2026-12-01T23:30:00Z")).toBe("2026-12-02");
    expect(dayOf("2027-11-23T00:00:00Z")).toBe("2027-11-23");
    expect(dayOf("not a time")).toBe("not a time");
  });
});
