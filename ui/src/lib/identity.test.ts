import { describe, expect, it } from "vitest";
import { luhnValid, parseIdentity } from "./identity";

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
    ["850101+2382", "188501012382", "person"], // "+": a hundred years or older
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

  it("shows the twelve-digit form with a hyphen", () => {
    expect(parseIdentity("850101-2382", today)).toMatchObject({ display: "19850101-2382" });
  });

  it("computes the Luhn check", () => {
    expect(luhnValid("8501012382")).toBe(true);
    expect(luhnValid("8501012383")).toBe(false);
  });
});
