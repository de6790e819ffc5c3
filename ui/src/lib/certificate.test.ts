import { describe, expect, it } from "vitest";
import { certificateUrgent, certificateWarning } from "./certificate";

describe("the certificate warning", () => {
  it("says how many days are left, in Swedish and English", () => {
    const soon = { check: "certificate", health: "warning", days_left: 14, found: "Kommun B expires in 14 days" };
    expect(certificateWarning("sv", soon)).toBe("Organisationens certifikat går ut om 14 dagar. Be IT beställa och installera ett nytt i tid.");
    expect(certificateWarning("en", soon)).toMatch(/expires in 14 days/);
    expect(certificateUrgent(soon)).toBe(false);
    expect(certificateWarning("sv", { ...soon, days_left: 1 })).toMatch(/i morgon/);
    expect(certificateUrgent({ ...soon, days_left: 7 })).toBe(true);
  });

  it("says plainly when it no longer holds", () => {
    const expired = { check: "certificate", health: "problem", days_left: -2, found: "Kommun B expired" };
    expect(certificateWarning("sv", expired)).toMatch(/gäller inte längre/);
    expect(certificateUrgent(expired)).toBe(true);
  });

  it("names a CA certificate of the bundle when that one expires first", () => {
    const ca = { check: "ca_bundle", health: "warning", days_left: 9, found: "Test CA expires in 9 days" };
    expect(certificateWarning("sv", ca)).toMatch(/^Ett CA-certifikat .* går ut om 9 dagar/);
    expect(certificateWarning("sv", { ...ca, health: "problem" })).toMatch(/gäller inte längre/);
  });
});
