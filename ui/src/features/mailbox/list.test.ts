import { describe, expect, it } from "vitest";
import type { MessageRow } from "../../lib/backend/types";
import { NEWEST_FIRST, arrange, matches, moveTo, toggle } from "./list";

function row(id: string, over: Partial<MessageRow>): MessageRow {
  return {
    message_id: id,
    created_at: "2026-12-01T10:00:00+01:00",
    state: "delivered",
    state_at: "2026-12-01T10:00:00+01:00",
    recipient: "19850101-2382",
    subject: "Beslut",
    case_number: null,
    protection_class: 1,
    sender_name: "Byggnadsnämnden",
    mailbox: null,
    officer: null,
    attachment_count: 0,
    reason: null,
    event: null,
    ...over,
  } as MessageRow;
}

const rows = [
  row("a", { subject: "Bygglov Ekudden 1", case_number: "BN 2026/10", created_at: "2026-12-01T09:00:00+01:00" }),
  row("b", { subject: "Föreläggande", case_number: "BN 2026/9", recipient: "202100-3898", state: "failed", created_at: "2026-12-01T11:00:00+01:00" }),
  row("c", { subject: "Återkallelse", case_number: null, state: "queued", created_at: "2026-12-01T10:00:00+01:00" }),
];

describe("the message list", () => {
  it("opens newest first", () => {
    expect(arrange(rows, "", NEWEST_FIRST).map((r) => r.message_id)).toEqual(["b", "c", "a"]);
  });

  it("narrows to rows holding every word, in any field, case ignored", () => {
    expect(arrange(rows, "bygglov", NEWEST_FIRST).map((r) => r.message_id)).toEqual(["a"]);
    expect(arrange(rows, "bn 2026/9", NEWEST_FIRST).map((r) => r.message_id)).toEqual(["b"]);
    expect(arrange(rows, "ÅTERKALLELSE", NEWEST_FIRST).map((r) => r.message_id)).toEqual(["c"]);
    expect(arrange(rows, "2021003898", NEWEST_FIRST).map((r) => r.message_id)).toEqual(["b"]);
    expect(matches(rows[0]!, "bygglov saknas")).toBe(false);
  });

  it("sorts by a column, and the other way on a second click", () => {
    const bySubject = toggle(NEWEST_FIRST, "subject");
    expect(arrange(rows, "", bySubject).map((r) => r.subject)).toEqual(["Bygglov Ekudden 1", "Föreläggande", "Återkallelse"]);
    expect(arrange(rows, "", toggle(bySubject, "subject")).map((r) => r.message_id)).toEqual(["c", "b", "a"]);
    // Diarienummer in number order: 9 before 10.
    const byCase = toggle(NEWEST_FIRST, "case_number");
    expect(arrange(rows, "", byCase).map((r) => r.message_id)).toEqual(["c", "b", "a"]);
    expect(arrange(rows, "", toggle(NEWEST_FIRST, "state")).map((r) => r.state)).toEqual(["queued", "delivered", "failed"]);
  });

  it("moves with the arrow keys, Home and End, and stays inside the list", () => {
    expect(moveTo("ArrowDown", -1, 3)).toBe(0);
    expect(moveTo("ArrowDown", 2, 3)).toBe(2);
    expect(moveTo("ArrowUp", 0, 3)).toBe(0);
    expect(moveTo("End", 0, 3)).toBe(2);
    expect(moveTo("Home", 2, 3)).toBe(0);
    expect(moveTo("a", 1, 3)).toBeNull();
    expect(moveTo("ArrowDown", -1, 0)).toBeNull();
  });
});
