import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { memoryBackend, testProfile, type MemoryBackend } from "../../lib/backend/memory";
import { ComposeController } from "./compose.svelte";

let backend: MemoryBackend;

beforeEach(() => {
  vi.useFakeTimers();
  backend = memoryBackend();
  backend.files.set("/docs/beslut.pdf", { size: 1400, content_type: "application/pdf" });
  backend.files.set("/docs/macro.exe", { size: 10, content_type: "application/octet-stream" });
});
afterEach(() => vi.useRealTimers());

function controller() {
  return new ComposeController(backend, testProfile, { autosaveMs: 500, checkDelayMs: 300 });
}

describe("the recipient", () => {
  it("is validated as typed, then looked up", async () => {
    const c = controller();
    c.update({ recipient: "19850101-238" });
    expect(c.recipient).toEqual({ kind: "invalid", problem: "format" });
    c.update({ recipient: "19850101-2383" });
    expect(c.recipient).toEqual({ kind: "invalid", problem: "checksum" });
    c.update({ recipient: "19850101-2382" });
    expect(c.recipient.kind).toBe("checking");
    await vi.advanceTimersByTimeAsync(300);
    expect(c.operator).toBe("Kivra (testmiljö)");
  });

  it("keeps only the latest lookup", async () => {
    const c = controller();
    c.update({ recipient: "19850101-2382" });
    c.update({ recipient: "19900101-2385" });
    await vi.advanceTimersByTimeAsync(300);
    expect(c.recipient.kind).toBe("checked");
    expect(c.operator).toBeNull();
  });

  it("offers Attention only for organisations", () => {
    const c = controller();
    c.update({ recipient: "198501012382" });
    expect(c.isOrganisation).toBe(false);
    c.update({ recipient: "556840-2266" });
    expect(c.isOrganisation).toBe(true);
  });
});

describe("drafts", () => {
  it("are saved automatically once, then updated", async () => {
    const c = controller();
    c.update({ subject: "Hej" });
    c.update({ subject: "Hej då" });
    expect(backend.calls.filter((x) => x === "saveDraft")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(backend.calls.filter((x) => x === "saveDraft")).toHaveLength(1);
    const drafts = await backend.drafts();
    expect(drafts).toHaveLength(1);
    expect(drafts[0]?.subject).toBe("Hej då");
    c.update({ body: "text" });
    await vi.advanceTimersByTimeAsync(500);
    expect(await backend.drafts()).toHaveLength(1);
  });

  it("save pending changes on close", async () => {
    const c = controller();
    c.update({ subject: "Stängt" });
    await c.close();
    expect((await backend.drafts())[0]?.subject).toBe("Stängt");
  });

  it("reopen with their fields and attachments", async () => {
    const first = controller();
    first.update({ recipient: "198501012382", subject: "Åter" });
    await first.attach(["/docs/beslut.pdf"]);
    const again = controller();
    await again.open(first.draftId);
    expect(again.fields.subject).toBe("Åter");
    expect(again.attachments.map((a) => a.name)).toEqual(["beslut.pdf"]);
  });
});

describe("case types", () => {
  it("fill what is empty and keep what was typed", () => {
    const c = controller();
    c.update({ subject: "Eget ämne" });
    c.applyCaseType("Bygglov");
    expect(c.fields.subject).toBe("Eget ämne");
    expect(c.fields.body).toContain("beslutet");
    expect(c.fields.protection_class).toBe(2);
  });
});

describe("attachments", () => {
  it("refuse a type the rules forbid before it is stored, keeping the files before it", async () => {
    const c = controller();
    await c.attach(["/docs/beslut.pdf", "/docs/macro.exe"]);
    expect(c.attachments.map((a) => a.name)).toEqual(["beslut.pdf"]);
    expect(c.error?.problems[0]?.field).toBe("attachments");
    expect(c.error?.problems[0]?.swedish).toContain("macro.exe");
    expect(c.attachmentProblems[c.attachments[0]!.id]).toEqual([]);
    expect(c.canReview).toBe(true);
  });

  it("can be dropped on the window", async () => {
    const c = controller();
    await backend.onFilesDropped((paths) => void c.attach(paths));
    backend.drop(["/docs/beslut.pdf"]);
    await vi.waitFor(() => expect(c.attachments).toHaveLength(1));
  });
});

describe("sending", () => {
  it("lists every problem and stays on the form", async () => {
    const c = controller();
    c.update({ recipient: "198501012382", protection_class: 4 });
    expect(c.classFourChosen).toBe(true);
    expect(await c.review()).toBe(false);
    expect(c.step).toBe("edit");
    expect(c.error?.code).toBe("invalid_input");
    expect(c.error?.problems.map((p) => p.field)).toEqual(["subject", "body", "protection_class", "case_number"]);
    // Each problem goes away when its field is changed; the others stay.
    c.update({ subject: "Beslut" });
    expect(c.problemFields).toEqual(["body", "protection_class", "case_number"]);
    c.update({ body: "Text", protection_class: 2, case_number: "KS 2026/1" });
    expect(c.error).toBeNull();
    expect(await c.review()).toBe(true);
  });

  it("shows the summary, sends, and the message becomes delivered", async () => {
    const c = controller();
    c.update({
      recipient: "19850101-2382",
      subject: "Beslut",
      body: "Hej",
      case_number: "KS 2026/0123",
      protection_class: 3,
    });
    await vi.advanceTimersByTimeAsync(300);
    await c.attach(["/docs/beslut.pdf"]);
    expect(await c.send()).toBeNull(); // never without the summary
    expect(await c.review()).toBe(true);
    expect(c.summary?.swedish).toBe(
      "Klass 3-meddelande till 19850101-2382 via Kivra (testmiljö), 1 bilaga, ärende KS 2026/0123",
    );
    const outcome = await c.send();
    expect(outcome?.kind).toBe("submitted");
    expect(c.step).toBe("done");
    expect(await backend.drafts()).toEqual([]);
    const changes: string[] = [];
    await backend.onStatusChange((change) => changes.push(change.state));
    backend.tick();
    expect(changes).toEqual(["delivered"]);
    expect((await backend.folder("sent"))[0]?.state).toBe("delivered");
  });

  it("goes on paper when the recipient has no mailbox", async () => {
    const c = controller();
    c.update({ recipient: "199001012385", subject: "Brev", body: "Hej", case_number: "KS 1" });
    await c.review();
    expect((await c.send())?.kind).toBe("paper");
    expect(await backend.folder("paper")).toHaveLength(1);
  });
});

describe("event messages", () => {
  const caseFields = {
    recipient: "19850101-2382",
    subject: "Beslut",
    body: "Hej",
    case_number: "KS 2026/0123",
    protection_class: 2,
  };

  it("are offered with the usual matter status first and need a case number", async () => {
    const c = controller();
    expect(c.fields.event).toBeNull();
    c.update({ ...caseFields, case_number: "" });
    c.setEvent(true);
    expect(c.fields.event).toBe("senderinitiative");
    expect(c.eventNeedsCase).toBe(true);
    expect(c.canReview).toBe(false);
    // The backend refuses it too, naming the event field.
    expect(await c.review()).toBe(false);
    expect(c.error?.problems.map((p) => p.kind)).toContain("event_without_case_number");
    c.update({ case_number: "KS 2026/0123" });
    expect(c.eventNeedsCase).toBe(false);
    c.setEventStatus("closed");
    expect(c.fields.event).toBe("closed");
    c.setEvent(false);
    expect(c.fields.event).toBeNull();
  });

  it("keep their status in the draft", async () => {
    const c = controller();
    c.update(caseFields);
    c.setEvent(true);
    c.setEventStatus("recipientinitiative");
    await c.save();
    const again = controller();
    await again.open(c.draftId);
    expect(again.fields.event).toBe("recipientinitiative");
  });

  it("follow the case's previous event, and the reading pane shows the thread", async () => {
    const send = async (status: "senderinitiative" | "closed") => {
      const c = controller();
      c.update(caseFields);
      c.setEvent(true);
      c.setEventStatus(status);
      expect(await c.review()).toBe(true);
      const outcome = await c.send();
      expect(outcome?.kind).toBe("submitted");
      return outcome!.message_id;
    };
    const first = await send("senderinitiative");
    const second = await send("closed");
    const view = await backend.message(second);
    expect(view.row.event).toEqual({ status: "closed", preceding_event_id: first });
    expect(view.thread.map((r) => r.message_id)).toEqual([first, second]);
    expect((await backend.message(first)).row.event?.preceding_event_id).toBeNull();
  });
});

describe("the size as sent (issue 17)", () => {
  it("is shown against the limit and refused with the ways out when it does not fit", async () => {
    backend.files.set("/docs/skannat.pdf", { size: 6_000_000, content_type: "application/pdf" });
    const c = controller();
    c.update({ recipient: "19850101-2382", subject: "Beslut", case_number: "BN 2026/1", protection_class: 2 });
    await c.attach(["/docs/beslut.pdf"]);
    expect(c.envelope?.fits).toBe(true);
    expect(c.envelope?.swedish).toBe("0,0 av 2,0 MB");
    expect(c.tooLarge).toBe(false);
    await c.attach(["/docs/skannat.pdf"]);
    expect(c.envelope?.swedish).toBe("7,6 av 2,0 MB");
    expect(c.tooLarge).toBe(true);
    expect(c.canReview).toBe(false);
    expect(c.pdfAttachments).toHaveLength(2);
    await c.compressPdfs();
    expect(c.compressions.map((d) => [d.file_name, d.original_size, d.compressed_size])).toEqual([
      ["beslut.pdf", 1400, 233],
      ["skannat.pdf", 6_000_000, 1_000_000],
    ]);
    expect(c.envelope?.swedish).toBe("1,3 av 2,0 MB");
    expect(c.tooLarge).toBe(false);
  });

  it("can go on paper instead, with everything attached", async () => {
    backend.files.set("/docs/skannat.pdf", { size: 6_000_000, content_type: "application/pdf" });
    const c = controller();
    c.update({ recipient: "19850101-2382", subject: "Beslut", case_number: "BN 2026/1", protection_class: 2 });
    await c.attach(["/docs/skannat.pdf"]);
    expect(c.tooLarge).toBe(true);
    const outcome = await c.sendOnPaper();
    expect(outcome?.kind).toBe("paper");
    expect(c.chosePaper).toBe(true);
    const paper = await backend.folder("paper");
    expect(paper).toHaveLength(1);
    expect(paper[0]?.attachment_count).toBe(1);
  });
});

describe("the sender name (issue 12)", () => {
  it("starts with the profile's first and keeps the one the officer picks with the draft", async () => {
    const profile = { ...testProfile, sender_names: ["Byggnadsnämnden", "Socialnämnden"] };
    const c = new ComposeController(backend, profile, { autosaveMs: 500, checkDelayMs: 300 });
    expect(c.fields.sender_name).toBe("Byggnadsnämnden");
    c.update({ sender_name: "Socialnämnden", subject: "Beslut" });
    await vi.advanceTimersByTimeAsync(500);
    const id = c.draftId;
    expect(id).not.toBeNull();
    expect((await backend.draft(id!)).fields.sender_name).toBe("Socialnämnden");
  });
});

describe("after a failure", () => {
  async function failed(): Promise<string> {
    const c = controller();
    c.update({ recipient: "197001012389", subject: "Föreläggande", body: "Text", case_number: "BN 2026/9" });
    await vi.advanceTimersByTimeAsync(500);
    const outcome = await backend.sendDraft(c.draftId!);
    backend.tick();
    expect((await backend.message(outcome.message_id)).row.state).toBe("failed");
    return outcome.message_id;
  }

  it("the draft made of a failed message is sent on paper when the officer asks, and the two are linked", async () => {
    const id = await failed();
    const draft = await backend.sendAgain(id);
    expect(await backend.sendAgain(id)).toBe(draft);
    const c = controller();
    await c.open(draft);
    expect(c.followsUp).toBe(id);
    expect(c.fields.subject).toBe("Föreläggande");
    expect(c.paperRoute).toBe(false);
    c.wantsPaper = true;
    expect(c.paperRoute).toBe(true);
    c.update({ postal_address: "Bo Ek\nStorgatan 2\n123 45 Småstad" });
    const outcome = await c.sendOnPaper();
    expect(outcome?.kind).toBe("paper");
    const view = await backend.message(id);
    expect(view.follow_up).toEqual({ kind: "sent_again", message_id: outcome?.message_id });
    expect(view.row.followed_up).toBe(true);
    await expect(backend.sendAgain(id)).rejects.toMatchObject({ detail: { problems: [{ kind: "already_sent_again" }] } });
  });

  it("a message waiting in the Outbox is withdrawn once, and its content comes back as a draft", async () => {
    const c = controller();
    c.update({ recipient: "196001012381", subject: "Kallelse", body: "Text", case_number: "BN 2026/10" });
    await vi.advanceTimersByTimeAsync(500);
    const outcome = await backend.sendDraft(c.draftId!);
    expect(outcome.kind).toBe("retrying");
    const waiting = await backend.message(outcome.message_id);
    expect(waiting.row.state).toBe("signed");
    expect(waiting.withdrawable).toBe(true);
    const draft = await backend.withdraw(outcome.message_id);
    const view = await backend.message(outcome.message_id);
    expect(view.row.state).toBe("withdrawn");
    expect(view.withdrawable).toBe(false);
    expect(view.timeline.at(-1)?.note).toEqual({ code: "withdrawn" });
    const again = controller();
    await again.open(draft);
    expect(again.followsUp).toBe(outcome.message_id);
    expect(again.fields.subject).toBe("Kallelse");
    await expect(backend.withdraw(outcome.message_id)).rejects.toMatchObject({ detail: { problems: [{ field: "withdraw" }] } });
  });

  it("a failed message is marked as handled only with a note", async () => {
    const id = await failed();
    await expect(backend.markHandled(id, "  ")).rejects.toMatchObject({ detail: { problems: [{ field: "note" }] } });
    const view = await backend.markHandled(id, "Ringde upp mottagaren.");
    expect(view.follow_up).toEqual({ kind: "handled_outside", note: "Ringde upp mottagaren." });
  });
});

describe("what another program hands over", () => {
  it("becomes a draft with its fields and files; a refused file is named with why, the others attached", async () => {
    let told = 0;
    await backend.onComposeRequested(() => told++);
    backend.handOver({ files: ["/docs/beslut.pdf", "/docs/macro.exe"], recipient: "19850101-2382", subject: "Beslut", case_number: "KS 2026/1" });
    expect(told).toBe(1);
    const handed = await backend.takeComposeRequest();
    expect(handed?.refused.map((r) => r.file_name)).toEqual(["macro.exe"]);
    expect(handed?.refused[0]?.error.code).toBe("invalid_input");
    const c = controller();
    await c.open(handed!.draft_id);
    expect(c.fields.subject).toBe("Beslut");
    expect(c.fields.case_number).toBe("KS 2026/1");
    expect(c.attachments.map((a) => a.name)).toEqual(["beslut.pdf"]);
    expect(await backend.takeComposeRequest()).toBeNull();
  });
});
