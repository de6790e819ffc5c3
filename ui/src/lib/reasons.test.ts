import { describe, expect, it } from "vitest";
import type { HistoryNote, Reason } from "./backend/types";
import { needsAttention, noteText, reasonText, technicalDetail } from "./reasons";

const answer = { text: "Avsändaren är inte registrerad", error_code: "1004", call_id: "call-42" };
const tls: Reason = { code: "tls", detail: "secure connection to 127.0.0.1:443 failed: untrusted (certificate has expired)" };

// One of every code: the Record type makes the type check fail when the
// backend gains a code this table lacks.
const REASONS: Record<Reason["code"], Reason> = {
  not_delivered: { code: "not_delivered" },
  not_distributed: { code: "not_distributed" },
  too_large: { code: "too_large", answer: { text: "Meddelandet är för stort", error_code: null, call_id: null } },
  answered: { code: "answered", answer },
  malformed_answer: { code: "malformed_answer" },
  outcome_unknown: { code: "outcome_unknown", cause: { code: "timeout", detail: "127.0.0.1:443 did not answer in time (response)" } },
  configuration: {
    code: "configuration",
    key: "service.message_url",
    cause: { code: "http", status: 404, detail: "the server answered HTTP 404: Not Found" },
  },
  gave_up: { code: "gave_up", attempts: 8, cause: { code: "unreachable", detail: "could not connect to 127.0.0.1:9: Connection refused" } },
  unreachable: { code: "unreachable", detail: "could not connect to 127.0.0.1:9: Connection refused" },
  timeout: { code: "timeout", detail: "127.0.0.1:443 did not answer in time (response)" },
  tls,
  http: { code: "http", status: 503, detail: "the server answered HTTP 503: Service Unavailable" },
  other: { code: "other", text: "en text från en senare version" },
};

const NOTES: Record<HistoryNote["code"], HistoryNote> = {
  queued: { code: "queued", compressed: [{ name: "skanning.pdf", from_bytes: 6_400_000, to_bytes: 670_000 }] },
  signed: { code: "signed", bytes: 5253 },
  submitted: { code: "submitted", distribution_id: "d-1", operator: "Kivra" },
  handed_to_operator: {
    code: "handed_to_operator",
    transaction_id: "t-7",
    operator: "Kivra",
    address: "https://127.0.0.1:8444/kivra/Service/v3",
    sealed_on: "2026-12-04",
  },
  pending: { code: "pending" },
  delivered: { code: "delivered" },
  paper: { code: "paper" },
  withdrawn: { code: "withdrawn" },
  failed: { code: "failed", reason: { code: "not_delivered" } },
  attempt_failed: { code: "attempt_failed", attempt: 2, reason: tls },
  sent_again: { code: "sent_again", message_id: "4f1c2a9e-0d3b-4e5f-8a6b-7c9d0e1f2a3b" },
  resend_of: { code: "resend_of", message_id: "4f1c2a9e-0d3b-4e5f-8a6b-7c9d0e1f2a3b" },
  handled_outside: { code: "handled_outside", note: "Beslutet lämnades över personligen." },
  imported: { code: "imported", text: "moved from a local log in profile x" },
  other: { code: "other", text: "okänd rad" },
};

// Words of the core's English records that must never reach a Swedish reader.
const ENGLISH = /\b(the|intermediary|attempts?|failed|error|call id|bytes|queued|signed delivery|delivered|distribution|mailbox|outcome|unknown|answered|could not)\b/i;

describe("reasons and history lines", () => {
  it.each(Object.values(REASONS))("say $code in Swedish without the core's English", (reason) => {
    const text = reasonText("sv", reason);
    expect(text).not.toMatch(ENGLISH);
    expect(text).not.toMatch(/\{\w+\}/);
    expect(text.length).toBeGreaterThan(5);
  });

  it.each(Object.values(NOTES))("say history line $code in Swedish without the core's English", (note) => {
    const text = noteText("sv", note);
    expect(text).not.toMatch(ENGLISH);
    expect(text).not.toMatch(/\{\w+\}/);
  });

  it("keep the intermediary's own words, error code and call id", () => {
    expect(reasonText("sv", REASONS.answered)).toBe(
      "Förmedlaren svarade: Avsändaren är inte registrerad (felkod 1004, anrops-id call-42)",
    );
    expect(reasonText("en", REASONS.answered)).toBe(
      "The intermediary answered: Avsändaren är inte registrerad (error 1004, call id call-42)",
    );
  });

  it("nest the last attempt's cause and name the profile key", () => {
    const text = reasonText("sv", REASONS.configuration);
    expect(text).toContain("service.message_url");
    expect(text).toContain("HTTP 404");
    expect(reasonText("sv", REASONS.outcome_unknown)).toContain("Förmedlaren svarade inte i tid");
    expect(reasonText("sv", REASONS.gave_up)).toContain("8 försök");
  });

  it("give the network's words to IT separately", () => {
    expect(technicalDetail(REASONS.gave_up)).toContain("Connection refused");
    expect(technicalDetail(REASONS.answered)).toBeNull();
  });

  it("show sizes in the locale", () => {
    expect(noteText("sv", NOTES.queued)).toBe("Lagt i Utkorgen; skanning.pdf komprimerad från 6,4 MB till 670,0 kB");
    expect(noteText("sv", NOTES.signed)).toBe("Signerat med organisationens certifikat (5,3 kB)");
    expect(noteText("en", NOTES.signed)).toBe("Signed with the organisation's certificate (5.3 kB)");
  });

  it("name the operator, its address, the seal's date and the transaction in direct mode", () => {
    expect(noteText("sv", NOTES.handed_to_operator)).toBe(
      "Förseglat 2026-12-04 och lämnat direkt till Kivra (https://127.0.0.1:8444/kivra/Service/v3), transaktions-id t-7",
    );
    expect(noteText("en", NOTES.handed_to_operator)).toContain("handed directly to Kivra");
  });

  it("tell a message that waits for a check from one that failed", () => {
    expect(needsAttention(REASONS.outcome_unknown)).toBe(true);
    expect(needsAttention(REASONS.configuration)).toBe(true);
    expect(needsAttention(REASONS.not_delivered)).toBe(false);
    expect(needsAttention(null)).toBe(false);
  });
});
