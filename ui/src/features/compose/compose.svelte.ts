// The compose form's logic, apart from its markup: autosave, the recipient
// check as typed, attachments under the organisation's rules, the summary
// and the send. The component binds to an instance; unit tests drive one
// against the test backend.
import type { Backend } from "../../lib/backend";
import { asCommandError, emptyFields } from "../../lib/backend";
import type {
  AttachmentView,
  CommandError,
  CompressionView,
  DraftFieldsView,
  EnvelopeView,
  MatterStatusView,
  ProfileView,
  RecipientCheck,
  SendOutcome,
  SummaryView,
} from "../../lib/backend/types";
import { attachmentProblems, totalTooLarge, type AttachmentProblem } from "../../lib/format";
import { parseIdentity, type IdentityProblem } from "../../lib/identity";
import { nowText } from "../mailbox/folders";

export type RecipientState =
  | { kind: "empty" }
  | { kind: "invalid"; problem: IdentityProblem }
  | { kind: "checking" }
  | { kind: "checked"; check: RecipientCheck }
  | { kind: "error"; error: CommandError };

export type Step = "edit" | "summary" | "sending" | "done";

export interface ComposeOptions {
  autosaveMs?: number;
  checkDelayMs?: number;
}

export class ComposeController {
  draftId = $state<number | null>(null);
  fields = $state<DraftFieldsView>({ ...emptyFields });
  attachments = $state<AttachmentView[]>([]);
  recipient = $state<RecipientState>({ kind: "empty" });
  step = $state<Step>("edit");
  summary = $state<SummaryView | null>(null);
  outcome = $state<SendOutcome | null>(null);
  error = $state<CommandError | null>(null);
  savedAt = $state<string | null>(null);
  /** The size as it will be sent, against the limit (after each save). */
  envelope = $state<EnvelopeView | null>(null);
  /** The compressions done in this form, newest last. */
  compressions = $state<CompressionView[]>([]);
  compressing = $state(false);
  /** The officer chose the paper route. */
  chosePaper = $state(false);
  /** The Failed message this draft is sent in place of, if any. */
  followsUp = $state<string | null>(null);
  /** The officer asked to send this follow-up on paper instead. */
  wantsPaper = $state(false);

  readonly #backend: Backend;
  readonly #profile: ProfileView;
  readonly #autosaveMs: number;
  readonly #checkDelayMs: number;
  #saveTimer: ReturnType<typeof setTimeout> | null = null;
  #checkTimer: ReturnType<typeof setTimeout> | null = null;
  #checkSeq = 0;
  #saving: Promise<number> | null = null;

  constructor(backend: Backend, profile: ProfileView, options: ComposeOptions = {}) {
    this.#backend = backend;
    this.#profile = profile;
    this.#autosaveMs = options.autosaveMs ?? 600;
    this.#checkDelayMs = options.checkDelayMs ?? 400;
    this.fields.sender_name = profile.sender_names[0] ?? null;
  }

  /** Opens an existing draft, or starts a new one (saved at the first change). */
  async open(draftId: number | null): Promise<void> {
    if (draftId === null) return;
    const draft = await this.#backend.draft(draftId);
    this.draftId = draft.id;
    this.fields = draft.fields;
    this.attachments = draft.attachments;
    this.followsUp = draft.follows_up;
    this.#recipientChanged(true);
    void this.measure();
  }

  /** The fields the last review found problems in (`postal_address`, …). */
  get problemFields(): string[] {
    return this.error?.problems.map((p) => p.field) ?? [];
  }

  /** The recipient was looked up and has no digital mailbox: a letter. */
  get noMailbox(): boolean {
    return this.recipient.kind === "checked" && this.recipient.check.kind === "checked" && this.recipient.check.operator === null;
  }

  /** The message goes as a letter (the check said so, or it is too large), so the address is asked for. */
  get paperRoute(): boolean {
    return this.noMailbox || this.tooLarge || this.wantsPaper;
  }

  /** The operator when the recipient can receive digital mail. */
  get operator(): string | null {
    return this.recipient.kind === "checked" && this.recipient.check.kind === "checked"
      ? this.recipient.check.operator
      : null;
  }

  get isOrganisation(): boolean {
    const parsed = parseIdentity(this.fields.recipient);
    return parsed.ok && parsed.kind === "organisation";
  }

  get classFourChosen(): boolean {
    return this.fields.protection_class === 4;
  }

  /** An event message (händelsemeddelande) without the diarienummer it needs. */
  get eventNeedsCase(): boolean {
    return this.fields.event !== null && this.fields.case_number.trim() === "";
  }

  /** Sends as an event message (the usual status first) or as an ordinary one. */
  setEvent(on: boolean): void {
    this.update({ event: on ? (this.fields.event ?? "senderinitiative") : null });
  }

  /** The status the event message gives its case. */
  setEventStatus(status: MatterStatusView): void {
    this.update({ event: status });
  }

  /** Problems with each attachment under the profile's rules, by id. */
  get attachmentProblems(): Record<number, AttachmentProblem[]> {
    return Object.fromEntries(this.attachments.map((a) => [a.id, attachmentProblems(a, this.#profile.rules)]));
  }

  get totalTooLarge(): boolean {
    return totalTooLarge(this.attachments, this.#profile.rules);
  }

  /**
   * Too large to send digitally: the envelope is over the limit, or an
   * attachment or the attachments together over theirs. The ways out are
   * compressing the PDFs and the paper route.
   */
  get tooLarge(): boolean {
    const attachmentTooLarge = Object.values(this.attachmentProblems).some((p) => p.includes("too_large"));
    return (this.envelope !== null && !this.envelope.fits) || attachmentTooLarge || this.totalTooLarge;
  }

  /** The PDF attachments (what "compress" works on). */
  get pdfAttachments(): AttachmentView[] {
    return this.attachments.filter((a) => a.content_type === "application/pdf");
  }

  /** Whether the form may go on to the summary (the core validates again). */
  get canReview(): boolean {
    const attachmentsOk = Object.values(this.attachmentProblems).every((p) => p.length === 0);
    return (
      !this.tooLarge &&
      this.recipient.kind !== "invalid" &&
      !this.classFourChosen &&
      !this.eventNeedsCase &&
      attachmentsOk &&
      !this.totalTooLarge
    );
  }

  /** Changes fields; autosaves, and re-checks the recipient when it changed. */
  update(patch: Partial<DraftFieldsView>): void {
    const recipientChanged = patch.recipient !== undefined && patch.recipient !== this.fields.recipient;
    this.fields = { ...this.fields, ...patch };
    if (this.step === "summary") this.step = "edit";
    this.#clearProblems(Object.keys(patch));
    this.#scheduleSave();
    if (recipientChanged) this.#recipientChanged(false);
  }

  /** A field's problem goes away once the officer changes it (the next review tells whether it is fixed). */
  #clearProblems(fields: string[]): void {
    const problems = this.error?.problems ?? [];
    const left = problems.filter((p) => !fields.includes(p.field));
    if (left.length === problems.length) return;
    this.error = left.length > 0 && this.error ? { ...this.error, problems: left } : null;
  }

  /** Starts from a case type: fills what is still empty. */
  applyCaseType(name: string | null): void {
    const caseType = this.#profile.case_types.find((c) => c.name === name);
    if (!caseType) {
      this.update({ case_type: null });
      return;
    }
    this.update({
      case_type: caseType.name,
      subject: this.fields.subject.trim() === "" ? (caseType.subject ?? "") : this.fields.subject,
      body: this.fields.body.trim() === "" ? (caseType.body ?? "") : this.fields.body,
      protection_class: this.fields.protection_class ?? caseType.protection_class,
    });
  }

  #recipientChanged(immediately: boolean): void {
    if (this.#checkTimer) clearTimeout(this.#checkTimer);
    const parsed = parseIdentity(this.fields.recipient);
    if (!parsed.ok) {
      this.#checkSeq++;
      this.recipient = parsed.problem === "empty" ? { kind: "empty" } : { kind: "invalid", problem: parsed.problem };
      return;
    }
    this.recipient = { kind: "checking" };
    const seq = ++this.#checkSeq;
    const input = this.fields.recipient;
    const run = async () => {
      try {
        const check = await this.#backend.checkRecipient(input);
        if (seq === this.#checkSeq) this.recipient = { kind: "checked", check };
      } catch (error) {
        if (seq === this.#checkSeq) this.recipient = { kind: "error", error: asCommandError(error) };
      }
    };
    if (immediately) void run();
    else this.#checkTimer = setTimeout(() => void run(), this.#checkDelayMs);
  }

  #scheduleSave(): void {
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = setTimeout(() => void this.save().catch(() => {}), this.#autosaveMs);
  }

  /** Saves now (creating the draft if needed); returns its id. */
  async save(): Promise<number> {
    if (this.#saveTimer) {
      clearTimeout(this.#saveTimer);
      this.#saveTimer = null;
    }
    // One save at a time, so a new draft is created only once.
    while (this.#saving) await this.#saving.catch(() => 0);
    const saving = this.#backend.saveDraft(this.draftId, $state.snapshot(this.fields));
    this.#saving = saving;
    try {
      this.draftId = await saving;
      this.savedAt = nowText();
      void this.measure();
      return this.draftId;
    } catch (error) {
      this.error = asCommandError(error);
      throw error;
    } finally {
      this.#saving = null;
    }
  }

  /** Measures the saved draft as it would be sent (shown live). */
  async measure(): Promise<void> {
    if (this.draftId === null) return;
    try {
      this.envelope = await this.#backend.envelopeSize(this.draftId);
    } catch {
      this.envelope = null;
    }
  }

  /** Compresses every PDF attachment in place; the files on disk stay as they are. */
  async compressPdfs(): Promise<void> {
    if (this.draftId === null) return;
    this.compressing = true;
    try {
      for (const a of this.pdfAttachments) {
        const done = await this.#backend.compressAttachment(this.draftId, a.id);
        this.attachments = done.draft.attachments;
        this.compressions = [...this.compressions, done];
      }
      this.error = null;
    } catch (error) {
      this.error = asCommandError(error);
    } finally {
      this.compressing = false;
      await this.measure();
    }
  }

  /** Records the message as sent on paper instead (with everything attached). */
  async sendOnPaper(): Promise<SendOutcome | null> {
    if (this.step !== "edit") return null;
    this.step = "sending";
    try {
      const id = await this.save();
      this.outcome = await this.#backend.sendDraftOnPaper(id);
      this.chosePaper = true;
      this.step = "done";
      this.error = null;
      return this.outcome;
    } catch (error) {
      this.error = asCommandError(error);
      this.step = "edit";
      return null;
    }
  }

  /** Attaches files by path (file dialog or drag and drop). */
  async attach(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    try {
      const id = await this.save();
      this.attachments = (await this.#backend.attachFiles(id, paths)).attachments;
      this.error = null;
      await this.measure();
    } catch (error) {
      // A refused file is not stored; the files picked before it were.
      this.error = asCommandError(error);
      if (this.draftId !== null) {
        this.attachments = (await this.#backend.draft(this.draftId)).attachments;
        await this.measure();
      }
    }
  }

  async removeAttachment(attachmentId: number): Promise<void> {
    if (this.draftId === null) return;
    this.attachments = (await this.#backend.removeAttachment(this.draftId, attachmentId)).attachments;
    await this.measure();
  }

  /** Validates and shows the summary; on problems stays on the form. */
  async review(): Promise<boolean> {
    try {
      const id = await this.save();
      this.summary = await this.#backend.summarise(id, this.operator, this.noMailbox);
      this.error = null;
      this.step = "summary";
      return true;
    } catch (error) {
      this.error = asCommandError(error);
      this.step = "edit";
      return false;
    }
  }

  /** Sends after the summary was shown. */
  async send(): Promise<SendOutcome | null> {
    if (this.step !== "summary" || this.draftId === null) return null;
    this.step = "sending";
    try {
      this.outcome = await this.#backend.sendDraft(this.draftId);
      this.step = "done";
      this.error = null;
      return this.outcome;
    } catch (error) {
      this.error = asCommandError(error);
      this.step = "edit";
      return null;
    }
  }

  /** Stops timers (the form is closing); pending changes are saved. */
  async close(): Promise<void> {
    if (this.#checkTimer) clearTimeout(this.#checkTimer);
    if (this.#saveTimer && this.step !== "done") await this.save().catch(() => {});
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
  }
}
