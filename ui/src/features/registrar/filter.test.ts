import { describe, expect, it } from "vitest";
import { exportFileName, filterFromForm, packageFileName } from "./filter";
import { safeFileName } from "../mailbox/folders";
import { shortTime } from "../../lib/format";

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
    expect(exportFileName("csv", new Date("2026-11-03T12:00:00Z"))).toBe("skickat-2026-11-03.csv");
    expect(exportFileName("jsonl", new Date("2026-01-30T12:00:00Z"))).toBe("skickat-2026-01-30.jsonl");
    // Just after midnight in Sweden it is already the next day.
    expect(exportFileName("pdf", new Date("2026-12-01T23:30:00Z"))).toBe("skickat-2026-12-02.pdf");
    expect(packageFileName(new Date("2026-12-01T23:30:00Z"))).toBe("arkivpaket-2026-12-02.zip");
  });

  it("makes safe file names", () => {
    expect(safeFileName("KS 2026/0123")).toBe("KS_2026_0123");
    expect(safeFileName("///")).toBe("kuvert");
    expect(shortTime("not a time")).toBe("not a time");
  });
});
