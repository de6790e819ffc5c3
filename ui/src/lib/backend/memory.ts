// The test implementation of the backend: everything in memory, with a
// small built-in directory of test recipients. Unit tests drive it; `tick()`
// plays the intermediary reporting delivery.
import { parseIdentity } from "../identity";
import { BackendError, emptyFields, type Backend } from "./index";
import type {
  Preferences,
  CertificateHealthView,
  CommandError,
  DraftFieldsView,
  DraftView,
  HandoffView,
  LegacyView,
  MessageRow,
  MessageView,
  PathsView,
  ProblemView,
  ProfileView,
  PurgeRecordView,
  StatusChange,
  TimelineEntry,
} from "./types";

export const testProfile: ProfileView = {
  name: "Testmiljö",
  environment: "test",
  mode: "intermediary",
  organisation_number: "202100-3898",
  sender_names: ["Kommun B"],
  support: ["Kommun B kundtjänst", "Telefon: 010-000 00 00"],
  case_types: [
    { name: "Bygglov", subject: "Beslut om bygglov", protection_class: 2, body: "Hej,\n\nhär kommer beslutet." },
  ],
  rules: {
    require_case_number: true,
    max_attachment_bytes: 20_000_000,
    max_total_attachment_bytes: 20_000_000,
    max_envelope_bytes: 2_097_152,
    allowed_attachment_types: ["application/pdf", "image/jpeg", "image/png", "text/plain"],
    retention_days: 3650,
  },
  needs_password: false,
  seal_file: null,
  seal_needs_password: false,
  department_url: null,
  certificate_file: "/tmp/testmiljo/sender-cert.pem",
  files: ["/tmp/testmiljo/profile.toml"],
};

const dataDir = "/home/handlaggare/.local/share/kuvert";

export const testPaths: PathsView = {
  data_dir: dataDir,
  database: `${dataDir}/testmiljo.sqlite`,
  outbox_lock: `${dataDir}/testmiljo.sqlite.outbox-lock`,
  profile_files: [{ layer: "explicit", path: `${dataDir}/testmiljo/profile.toml`, read: true }],
  certificate_store: "/home/handlaggare/.config/kuvert/certificates",
  log_file: `${dataDir}/kuvert.log`,
  legacy: null,
};

/** Wire form → operator; anyone else has no digital mailbox. */
const directory: Record<string, string> = {
  "198501012382": "Kivra (testmiljö)",
  "165568402266": "Min Myndighetspost (testmiljö)",
  // The mailbox operator cannot deliver to this one: `tick()` fails it.
  "197001012389": "Kivra (testmiljö)",
  // The intermediary does not answer for this one: the message waits in the Outbox, not handed over.
  "196001012381": "Kivra (testmiljö)",
};
const UNDELIVERABLE = "197001012389";
const UNANSWERED = "196001012381";

interface Stored {
  view: MessageView;
}

export interface MemoryBackend extends Backend {
  /** Files "on disk" that attachFiles can pick up: path → size and type. */
  files: Map<string, { size: number; content_type: string }>;
  /** Paths written by exports and saves. */
  written: string[];
  /** The intermediary reports every submitted message as delivered. */
  tick(): void;
  /** Certificate files "on disk": path → password and subject. */
  certificates: Map<string, { password: string; subject: string; organisation: string; notAfter: string }>;
  /** What the certificate dialog answers next (`null`: cancelled). */
  certificateChoice: string | null;
  /** The desktop app's old data folder that `paths()` reports. */
  legacy: LegacyView | null;
  /** The organisation's certificate as `certificateHealth()` reports it (`null`: nothing to warn about). */
  certificate: CertificateHealthView | null;
  /** Simulates files dropped on the window. */
  drop(paths: string[]): void;
  /** Simulates another program handing files and fields to Kuvert (a second start, a print job). */
  handOver(request: { files?: string[]; recipient?: string; subject?: string; case_number?: string }): void;
  /** Calls made, by name (for assertions). */
  calls: string[];
}

function fail(code: CommandError["code"], message: string, problems: ProblemView[] = []): never {
  throw new BackendError({ code, message, problems });
}

export function memoryBackend(options: { configured?: boolean } = {}): MemoryBackend {
  let configured = options.configured ?? true;
  const preferences: Preferences = { language: null, test_environment: false };
  let nextDraft = 1;
  let nextAttachment = 1;
  let nextMessage = 1;
  const drafts = new Map<number, DraftView>();
  const messages = new Map<string, Stored>();
  const purges: PurgeRecordView[] = [];
  const statusListeners: ((c: StatusChange) => void)[] = [];
  const dropListeners: ((p: string[]) => void)[] = [];
  const composeListeners: (() => void)[] = [];
  const handedOver: { files?: string[]; recipient?: string; subject?: string; case_number?: string }[] = [];
  const now = () => new Date().toISOString();
  const need = () => {
    if (!configured) fail("not_configured", "no profile is open");
  };
  const draftOf = (id: number) => drafts.get(id) ?? fail("not_found", `no draft ${id}`);
  const messageOf = (id: string) => messages.get(id) ?? fail("not_found", `no message ${id}`);
  /** A Failed (or withdrawn) message not yet followed up, as the core refuses any other. */
  function followable(id: string): MessageView {
    const view = messageOf(id).view;
    const refuse = (kind: string, swedish: string) =>
      fail("invalid_input", kind, [{ field: "follow_up", kind, swedish, english: kind }]);
    if (view.row.state !== "failed" && view.row.state !== "withdrawn") refuse("not_failed", "Meddelandet har inte misslyckats.");
    if (view.follow_up?.kind === "sent_again") refuse("already_sent_again", "Meddelandet har redan skickats igen.");
    if (view.follow_up?.kind === "handled_outside") refuse("already_handled", "Meddelandet är redan markerat som hanterat.");
    return view;
  }

  function problems(d: DraftView): ProblemView[] {
    const out: ProblemView[] = [];
    const add = (field: string, kind: string, swedish: string, english: string) =>
      out.push({ field, kind, swedish, english });
    const f = d.fields;
    if (!parseIdentity(f.recipient).ok) add("recipient", "invalid", "Mottagaren är ogiltig.", "The recipient is invalid.");
    if (f.subject.trim() === "") add("subject", "empty", "Ämne saknas.", "The subject is missing.");
    if (f.subject.length > 255) add("subject", "too_long", "Ämnet är för långt.", "The subject is too long.");
    if (f.body.trim() === "" && d.attachments.length === 0) add("body", "empty_message", "Meddelandet är tomt.", "The message is empty.");
    if (f.protection_class === 4) add("protection_class", "class4", "Meddelanden med skyddsklass 4 kan inte skickas.", "Protection class 4 cannot be sent.");
    if (testProfile.rules.require_case_number && f.case_number.trim() === "") add("case_number", "required", "Diarienummer krävs.", "A case number is required.");
    if (f.event !== null && f.case_number.trim() === "") add("event", "event_without_case_number", "Ett händelsemeddelande kräver diarienummer.", "An event message needs a case number.");
    return out;
  }

  function row(m: Stored): MessageRow {
    return m.view.row;
  }

  /** The case's event messages, oldest first (as the store keeps them). */
  function caseEvents(caseNumber: string | null): MessageRow[] {
    const key = caseNumber?.trim().toUpperCase();
    return [...messages.values()].map(row).filter((r) => r.event !== null && r.case_number?.trim().toUpperCase() === key);
  }

  /** The id a new event in the case to `recipient` follows: the latest not failed nor on paper. */
  function precedingEvent(caseNumber: string | null, recipient: string): string | null {
    const candidates = caseEvents(caseNumber).filter(
      (r) => r.recipient === recipient && r.state !== "failed" && r.state !== "paper",
    );
    return candidates.at(-1)?.message_id ?? null;
  }

  /** A message as the reading pane gets it, with its case's thread. */
  function viewOf(id: string): MessageView {
    const view = messageOf(id).view;
    return structuredClone({ ...view, thread: view.row.event ? caseEvents(view.row.case_number) : [] });
  }

  const backend: MemoryBackend = {
    files: new Map(),
    certificates: new Map(),
    certificateChoice: null,
    legacy: null,
    certificate: null,
    written: [],
    calls: [],
    async preferences() {
      return { ...preferences };
    },
    async setLanguage(language) {
      preferences.language = language;
    },
    async appStatus() {
      return { configured, test_environment: configured, profile: configured ? testProfile : null, problem: null };
    },
    async certificateHealth() {
      return configured ? backend.certificate : null;
    },
    async useTestEnvironment() {
      configured = true;
      preferences.test_environment = true;
      return testProfile;
    },
    async checkRecipient(input) {
      need();
      const parsed = parseIdentity(input);
      if (!parsed.ok) return { kind: "invalid", input, reason: parsed.problem };
      const operator = directory[parsed.wire] ?? null;
      return {
        kind: "checked",
        input,
        recipient: parsed.display,
        operator,
        swedish: operator ? `Kan ta emot digital post (${operator}).` : "Har ingen digital brevlåda.",
        english: operator ? `Can receive digital mail (${operator}).` : "Has no digital mailbox.",
      };
    },
    async saveDraft(id, fields: DraftFieldsView) {
      need();
      backend.calls.push("saveDraft");
      const draftId = id ?? nextDraft++;
      const existing = drafts.get(draftId);
      drafts.set(draftId, {
        id: draftId,
        updated_at: now(),
        fields: { ...fields },
        attachments: existing?.attachments ?? [],
        follows_up: existing?.follows_up ?? null,
      });
      return draftId;
    },
    async draft(id) {
      return structuredClone(draftOf(id));
    },
    async drafts() {
      return [...drafts.values()].map((d) => ({
        id: d.id,
        updated_at: d.updated_at,
        recipient: d.fields.recipient,
        subject: d.fields.subject,
        attachment_count: d.attachments.length,
      }));
    },
    async deleteDraft(id) {
      drafts.delete(id);
    },
    async attachFiles(id, paths) {
      const d = draftOf(id);
      for (const path of paths) {
        const file = backend.files.get(path) ?? fail("storage", `${path}: not found`);
        const name = path.split("/").pop() ?? path;
        // As the core does: a type the profile does not allow is refused
        // before it is stored (the files before it are kept).
        if (!testProfile.rules.allowed_attachment_types.includes(file.content_type)) {
          fail("invalid_input", "the file cannot be attached", [
            {
              field: "attachments",
              kind: "unknown_file_type",
              swedish: `Det går inte att avgöra vilken sorts fil ${name} är utifrån namnet.`,
              english: `Kuvert cannot tell what kind of file ${name} is from its name.`,
            },
          ]);
        }
        d.attachments.push({ id: nextAttachment++, name, ...file });
      }
      return structuredClone(d);
    },
    async removeAttachment(id, attachmentId) {
      const d = draftOf(id);
      d.attachments = d.attachments.filter((a) => a.id !== attachmentId);
      return structuredClone(d);
    },
    async summarise(id, operator, paper) {
      const d = draftOf(id);
      const found = problems(d);
      if (paper && d.fields.postal_address.trim() === "") {
        found.push({ field: "postal_address", kind: "required", swedish: "Fältet måste fyllas i.", english: "This must be filled in." });
      }
      if (found.length > 0) fail("invalid_input", "the message is not valid", found);
      const parsed = parseIdentity(d.fields.recipient);
      const to = parsed.ok ? parsed.display : d.fields.recipient;
      const via = operator ? ` via ${operator}` : "";
      const n = d.attachments.length;
      if (paper) {
        return {
          swedish: `Mottagaren kan inte ta emot digital post. Meddelandet skrivs ut som brev till ${to}, ${n} bilag${n === 1 ? "a" : "or"}, ärende ${d.fields.case_number}. Ämne: ${d.fields.subject}. Avsändare: Kommun B.`,
          english: `The recipient cannot receive digital mail. The message is printed as a letter to ${to}, ${n} attachment${n === 1 ? "" : "s"}, case ${d.fields.case_number}. Subject: ${d.fields.subject}. Sender: Kommun B.`,
        };
      }
      return {
        swedish: `Klass ${d.fields.protection_class ?? 1}-meddelande till ${to}${via}, ${n} bilag${n === 1 ? "a" : "or"}, ärende ${d.fields.case_number}`,
        english: `Class ${d.fields.protection_class ?? 1} message to ${to}${via}, ${n} attachment${n === 1 ? "" : "s"}, case ${d.fields.case_number}`,
      };
    },
    async envelopeSize(id) {
      const d = draftOf(id);
      // Base64 attachments and some 10 kB of XML, signature and certificate.
      const bytes = d.attachments.reduce((sum, a) => sum + Math.ceil(a.size / 3) * 4, 10_000);
      const max = testProfile.rules.max_envelope_bytes;
      const mb = (n: number) => (Math.round((n * 10) / 1_048_576) / 10).toFixed(1).replace(".", ",");
      return { bytes, max, fits: bytes <= max, swedish: `${mb(bytes)} av ${mb(max)} MB` };
    },
    async compressAttachment(id, attachmentId) {
      const d = draftOf(id);
      const a = d.attachments.find((x) => x.id === attachmentId) ?? fail("not_found", "no such attachment");
      const original_size = a.size;
      // A scan at 300 dpi scaled to 150 dpi: about a sixth.
      a.size = Math.round(a.size / 6);
      return { file_name: a.name, original_size, compressed_size: a.size, draft: structuredClone(d) };
    },
    async sendDraftOnPaper(id) {
      const outcome = await backend.sendDraft(id);
      const message = messages.get(outcome.message_id);
      if (message) {
        message.view.row.state = "paper";
        message.view.row.mailbox = null;
      }
      return {
        kind: "paper",
        message_id: outcome.message_id,
        reason_swedish: "Handläggaren valde att skicka meddelandet med post.",
        reason_english: "The officer chose to send the message on paper.",
      };
    },
    async sendDraft(id) {
      const d = draftOf(id);
      const found = problems(d);
      if (found.length > 0) fail("invalid_input", "the message is not valid", found);
      const parsed = parseIdentity(d.fields.recipient);
      if (!parsed.ok) fail("invalid_input", "invalid recipient");
      const message_id = `m-${nextMessage++}`;
      const operator = directory[parsed.wire];
      const waits = parsed.wire === UNANSWERED;
      const state = waits ? "signed" : operator ? "submitted" : "paper";
      const event = d.fields.event
        ? { status: d.fields.event, preceding_event_id: precedingEvent(d.fields.case_number, parsed.display) }
        : null;
      const timeline: TimelineEntry[] = [
        { at: now(), kind: "enqueued", state: "queued", detail: "queued", note: { code: "queued", compressed: [] } },
        waits
          ? { at: now(), kind: "state_changed", state, detail: "signed delivery, 5253 bytes", note: { code: "signed", bytes: 5253 } }
          : operator
          ? {
              at: now(),
              kind: "state_changed",
              state,
              detail: "distribution id dist-1",
              note: { code: "submitted", distribution_id: "dist-1", operator },
            }
          : { at: now(), kind: "state_changed", state, detail: "sent on paper", note: { code: "paper" } },
      ];
      messages.set(message_id, {
        view: {
          row: {
            message_id,
            created_at: now(),
            state,
            state_at: now(),
            recipient: parsed.display,
            subject: d.fields.subject,
            case_number: d.fields.case_number || null,
            protection_class: d.fields.protection_class ?? 1,
            sender_name: "Kommun B",
            mailbox: operator ?? null,
            officer: "Anna Lind",
            attachment_count: d.attachments.length,
            reason: null,
            event,
            followed_up: false,
          },
          body: d.fields.body,
          attention: d.fields.attention || null,
          distribution_id: operator ? "dist-1" : null,
          mailbox_address: operator ? "https://mailbox.example/" : null,
          officer_account: "anna.lind",
          next_attempt_at: null,
          attachments: d.attachments.map((a) => ({ name: a.name, content_type: a.content_type, size: a.size })),
          timeline,
          thread: [],
          follow_up: null,
          withdrawable: waits,
        },
      });
      if (d.follows_up !== null) {
        const failed = followable(d.follows_up);
        failed.follow_up = { kind: "sent_again", message_id };
        failed.row.followed_up = true;
        failed.timeline.push({ at: now(), kind: "sent_again", state: "failed", detail: message_id, note: { code: "sent_again", message_id } });
        timeline.push({ at: now(), kind: "resend_of", state, detail: d.follows_up, note: { code: "resend_of", message_id: d.follows_up } });
      }
      drafts.delete(id);
      if (waits) {
        return { kind: "retrying", message_id, reason: { code: "timeout", detail: "the look-up was not answered in time" }, next_attempt_at: null };
      }
      return operator
        ? { kind: "submitted", message_id, operator }
        : { kind: "paper", message_id, reason_swedish: "Har ingen digital brevlåda.", reason_english: "Has no digital mailbox." };
    },
    async folder(folder) {
      const states: Record<string, string[]> = {
        outbox: ["queued", "signed"],
        sent: ["submitted", "pending", "delivered"],
        paper: ["paper"],
        failed: ["failed"],
        needs_attention: [],
      };
      return [...messages.values()].map(row).filter((r) => states[folder]?.includes(r.state)).reverse();
    },
    async message(id) {
      return viewOf(id);
    },
    async refreshStatus(id) {
      return viewOf(id);
    },
    async sendAgain(id) {
      const failed = followable(id);
      const existing = [...drafts.values()].find((d) => d.follows_up === id);
      if (existing) return existing.id;
      const draftId = nextDraft++;
      drafts.set(draftId, {
        id: draftId,
        updated_at: now(),
        fields: {
          ...emptyFields,
          recipient: failed.row.recipient,
          subject: failed.row.subject,
          body: failed.body,
          case_number: failed.row.case_number ?? "",
          attention: failed.attention ?? "",
          protection_class: failed.row.protection_class,
          sender_name: failed.row.sender_name,
        },
        attachments: failed.attachments.map((a) => ({ id: nextAttachment++, name: a.name, content_type: a.content_type, size: a.size })),
        follows_up: id,
      });
      return draftId;
    },
    async withdraw(id) {
      const view = messageOf(id).view;
      if (!view.withdrawable) {
        fail("invalid_input", "handed_over", [
          { field: "withdraw", kind: "handed_over", swedish: "Meddelandet kan inte återkallas.", english: "The message cannot be withdrawn." },
        ]);
      }
      view.row.state = "withdrawn";
      view.withdrawable = false;
      view.timeline.push({ at: now(), kind: "state_changed", state: "withdrawn", detail: "withdrawn by the officer", note: { code: "withdrawn" } });
      return backend.sendAgain(id);
    },
    async markHandled(id, note) {
      const text = note.trim();
      if (text === "") {
        fail("invalid_input", "say how the message was handled", [
          { field: "note", kind: "note_empty", swedish: "Skriv hur meddelandet hanterades.", english: "Say how the message was handled." },
        ]);
      }
      const failed = followable(id);
      failed.follow_up = { kind: "handled_outside", note: text };
      failed.row.followed_up = true;
      failed.timeline.push({ at: now(), kind: "handled_outside", state: "failed", detail: text, note: { code: "handled_outside", note: text } });
      return viewOf(id);
    },
    async searchLog(filter) {
      const text = filter.text?.toLowerCase() ?? "";
      return [...messages.values()]
        .map(row)
        .filter((r) => text === "" || r.subject.toLowerCase().includes(text))
        .filter((r) => filter.states.length === 0 || filter.states.includes(r.state))
        .filter((r) => !filter.case_number || r.case_number === filter.case_number);
    },
    async chooseSavePath(name) {
      return `/tmp/${name}`;
    },
    async chooseFiles() {
      return [...backend.files.keys()];
    },
    async exportLog(format, filter, path) {
      backend.written.push(path);
      // As the core does: a CSV export's purges go to a second file beside
      // it, the log's signed anchor to a third.
      const beside = (part: string) =>
        format === "csv" ? path.replace(/(\.[^./]*)?$/, (ext) => `-${part}${ext || ".csv"}`) : null;
      const purgesPath = beside("gallringar");
      const anchorPath = beside("forankring");
      if (purgesPath) backend.written.push(purgesPath);
      if (anchorPath) backend.written.push(anchorPath);
      return {
        path,
        count: (await backend.searchLog(filter)).length,
        purges_path: purgesPath,
        anchor_path: anchorPath,
      };
    },
    async archiveMessage(id, path) {
      messageOf(id);
      backend.written.push(path);
      return { path, count: 1, purges_path: null, anchor_path: null };
    },
    async archiveLog(filter, path) {
      // As the core does: every entry the filter selects; none is an error.
      const count = (await backend.searchLog(filter)).length;
      if (count === 0) fail("invalid_input", "no message matches");
      backend.written.push(path);
      return { path, count, purges_path: null, anchor_path: null };
    },
    async saveLetter(id, path) {
      const m = messageOf(id);
      backend.written.push(path);
      return { path, appended: m.view.attachments.filter((a) => a.content_type === "application/pdf").map((a) => a.name), print_separately: [] };
    },
    async printLetter(id) {
      return backend.saveLetter(id, `/tmp/kuvert-utskrift-${id}.pdf`);
    },
    async purge(days, dryRun) {
      const cutoff = new Date(Date.now() - days * 86_400_000).toISOString();
      if (!dryRun) {
        purges.push({ at: now(), cutoff, count: 0, ids_sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", purger: "anna.lind", rule: `3650 dagar; beställd: äldre än ${days} dagar` });
      }
      return { cutoff, count: 0, dry_run: dryRun };
    },
    async purges() {
      return [...purges];
    },
    async verifyLog() {
      return {
        intact: true,
        unanchored: false,
        detail: String(messages.size * 2),
        anchor_seq: messages.size * 2,
        anchored_at: new Date().toISOString(),
      };
    },
    async storePassword() {},
    async chooseCertificate() {
      return backend.certificateChoice;
    },
    async importCertificate(path, password) {
      const certificate = backend.certificates.get(path) ?? fail("invalid_input", `cannot read ${path}`);
      if (certificate.password !== password) {
        fail("invalid_input", `the password does not open ${path}`, [
          {
            field: "certificate",
            kind: "wrong_password",
            swedish: "Lösenordet öppnar inte certifikatfilen.",
            english: "The password does not open the certificate file.",
          },
        ]);
      }
      const file = `/home/user/.config/kuvert/certificates/${path.split("/").pop()}`;
      const profile = { ...testProfile, needs_password: true, certificate_file: file };
      configured = true;
      return {
        file,
        profile_file: "/home/user/.config/kuvert/profile.toml",
        subject: certificate.subject,
        organisation_number: certificate.organisation,
        not_after: certificate.notAfter,
        profile,
      };
    },
    async saveDiagnostics(path) {
      need();
      backend.written.push(path);
      return { path, count: 5, purges_path: null, anchor_path: null };
    },
    async paths() {
      return { ...structuredClone(testPaths), legacy: structuredClone(backend.legacy) };
    },
    async onStatusChange(listener) {
      statusListeners.push(listener);
      return () => statusListeners.splice(statusListeners.indexOf(listener), 1);
    },
    async takeComposeRequest() {
      const request = handedOver.shift();
      if (!request) return null;
      const draftId = await backend.saveDraft(null, {
        ...emptyFields,
        recipient: request.recipient ?? "",
        subject: request.subject ?? "",
        case_number: request.case_number ?? "",
      });
      const refused: HandoffView["refused"] = [];
      for (const path of request.files ?? []) {
        try {
          await backend.attachFiles(draftId, [path]);
        } catch (error) {
          refused.push({ file_name: path.split("/").pop() ?? path, error: (error as BackendError).detail });
        }
      }
      return { draft_id: draftId, refused };
    },
    handOver(request) {
      handedOver.push(request);
      composeListeners.forEach((l) => l());
    },
    async onComposeRequested(listener) {
      composeListeners.push(listener);
      return () => composeListeners.splice(composeListeners.indexOf(listener), 1);
    },
    async onFilesDropped(listener) {
      dropListeners.push(listener);
      return () => dropListeners.splice(dropListeners.indexOf(listener), 1);
    },
    tick() {
      for (const m of messages.values()) {
        if (m.view.row.state !== "submitted") continue;
        const parsed = parseIdentity(m.view.row.recipient);
        if (parsed.ok && parsed.wire === UNDELIVERABLE) {
          m.view.row.state = "failed";
          m.view.row.reason = { code: "not_delivered" };
          m.view.timeline.push({ at: now(), kind: "state_changed", state: "failed", detail: "the mailbox operator could not deliver", note: { code: "failed", reason: { code: "not_delivered" } } });
          const change = { message_id: m.view.row.message_id, state: "failed" as const, subject: m.view.row.subject, recipient: m.view.row.recipient };
          statusListeners.forEach((l) => l(change));
          continue;
        }
        m.view.row.state = "delivered";
        m.view.timeline.push({ at: now(), kind: "state_changed", state: "delivered", detail: "delivered", note: { code: "delivered" } });
        const change = { message_id: m.view.row.message_id, state: "delivered" as const, subject: m.view.row.subject, recipient: m.view.row.recipient };
        statusListeners.forEach((l) => l(change));
      }
    },
    drop(paths) {
      dropListeners.forEach((l) => l(paths));
    },
  };
  return backend;
}
