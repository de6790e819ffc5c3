import { describe, expect, it } from "vitest";
import { attachmentProblems, formatSize, totalTooLarge, typeLabel } from "./format";
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
