import { describe, expect, it } from "vitest";
import { en } from "./i18n/en";
import { sv } from "./i18n/sv";
import { stateText, t } from "./i18n";
import { describeError } from "./errors";
import type { ErrorKind, MessageState } from "./backend/types";

describe("text tables", () => {
  it("have the same keys and placeholders in both languages", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(sv).sort());
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(sv) as (keyof typeof sv)[]) {
      expect(placeholders(en[key]), key).toEqual(placeholders(sv[key]));
    }
  });

  it("fill placeholders", () => {
    expect(t("sv", "registrar.exported", { count: 3, path: "/tmp/a.csv" })).toBe(
      "Exporterade 3 meddelanden till /tmp/a.csv",
    );
    expect(stateText("en", "delivered")).toBe("Delivered");
    expect(stateText("sv", "delivered")).toBe("Levererad");
  });
});

// Every state the backend sends: the Record type fails the type check when one is added without a row here.
const STATES: Record<MessageState, string> = {
  queued: "Köad",
  signed: "Signerad, väntar",
  submitted: "Skickad",
  pending: "Under leverans",
  delivered: "Levererad",
  failed: "Misslyckad",
  paper: "Skickad på papper",
  withdrawn: "Återkallad",
};

describe("states", () => {
  it.each(Object.entries(STATES))("%s is named in Swedish in the app's words", (state, swedish) => {
    expect(stateText("sv", state as MessageState)).toBe(swedish);
    expect(stateText("en", state as MessageState)).not.toBe(state);
  });
});

describe("describeError", () => {
  const codes: ErrorKind[] = [
    "invalid_input", "not_reachable", "remote", "verification", "configuration",
    "not_found", "storage", "not_configured", "cancelled", "unknown",
  ];
  it.each(codes)("has a text for %s in both languages", (code) => {
    const error = { code, message: "detail", problems: [] };
    expect(describeError(error, "sv").headline).toBe(sv[`error.${code}`]);
    expect(describeError(error, "en").headline).toBe(en[`error.${code}`]);
  });

  it("lists compose problems in the officer's language, each naming its field", () => {
    const error = {
      code: "invalid_input" as const,
      message: "x",
      problems: [
        { field: "subject", kind: "empty", swedish: "Ämne saknas.", english: "Subject missing." },
        { field: "postal_address", kind: "required", swedish: "Fältet måste fyllas i.", english: "This must be filled in." },
      ],
    };
    expect(describeError(error, "sv").problems).toEqual(["Ämne: Ämne saknas.", "Postadress: Fältet måste fyllas i."]);
    expect(describeError(error, "en").problems).toEqual(["Subject: Subject missing.", "Postal address: This must be filled in."]);
  });
});
