import { describe, expect, it } from "vitest";
import { exportFileName, filterFromForm } from "./filter";
import { safeFileName, shortTime } from "../mailbox/folders";

describe("the registrar's filter", () => {
  it("drops empty fields and trims", () => {
    const filter = filterFromForm({
      text: " bygglov ", recipient: "", caseNumber: "KS 2026/*", from: "2026-01-01", to: "",
      state: "delivered", protectionClass: "2", sender: " ", officer: " anna.lind ",
    });
    expect(filter).toEqual({
      text: "bygglov", recipient: null, case_number: "KS 2026/*", from: "2026-01-01", to: null,
      states: ["delivered"], protection_class: 2, sender_name: null, officer: "anna.lind", limit: 500,
    });
  });

  it("names export files by format and day", () => {
    expect(exportFileName("csv", new Date(2026, 10, 3))).toBe("skickat-2026-11-03.csv");
    expect(exportFileName("jsonl", new Date(2026, 0, 30))).toBe("skickat-2026-01-30.jsonl");
  });

  it("makes safe file names", () => {
    expect(safeFileName("KS 2026/0123")).toBe("KS_2026_0123");
    expect(safeFileName("///")).toBe("kuvert");
    expect(shortTime("not a time")).toBe("not a time");
  });
});
