// The one way the UI reaches the backend. `tauri.ts` implements it over
// Tauri commands; `memory.ts` is the test implementation (unit tests and
// running the UI in a plain browser).
import type { PrintFileView,
  AppStatus,
  CertificateHealthView,
  Language,
  Preferences,
  ChainView,
  CommandError,
  CompressionView,
  DraftFieldsView,
  DraftRow,
  DraftView,
  EnvelopeView,
  HandoffView,
  ExportKind,
  InstalledCertificateView,
  PathsView,
  Folder,
  LogFilterView,
  MessageRow,
  MessageView,
  ProfileView,
  PurgeRecordView,
  PurgeView,
  RecipientCheck,
  SendOutcome,
  StatusChange,
  SummaryView,
  Written,
} from "./types";

export type * from "./types";

export interface Backend {
  appStatus(): Promise<AppStatus>;
  /** The open profile's certificate when it needs attention (`null`: nothing to warn about). */
  certificateHealth(): Promise<CertificateHealthView | null>;
  /** The officer's remembered choices (the language). */
  preferences(): Promise<Preferences>;
  /** Remembers the language for the next start and for notifications. */
  setLanguage(language: Language): Promise<void>;
  useTestEnvironment(): Promise<ProfileView>;
  checkRecipient(input: string): Promise<RecipientCheck>;
  saveDraft(id: number | null, fields: DraftFieldsView): Promise<number>;
  draft(id: number): Promise<DraftView>;
  drafts(): Promise<DraftRow[]>;
  deleteDraft(id: number): Promise<void>;
  attachFiles(id: number, paths: string[]): Promise<DraftView>;
  /** What another program handed to Kuvert (`--attach`, a kuvert:// link, a print job), made into a draft; `null`: nothing waits. */
  takeComposeRequest(): Promise<HandoffView | null>;
  removeAttachment(id: number, attachmentId: number): Promise<DraftView>;
  /** `paper`: the recipient has no digital mailbox, so it goes as a letter (which needs the address). */
  summarise(id: number, operator: string | null, paper: boolean): Promise<SummaryView>;
  sendDraft(id: number): Promise<SendOutcome>;
  /** The draft's size as it would be sent, against the limit (`null`: not measurable yet). */
  envelopeSize(id: number): Promise<EnvelopeView | null>;
  /** Compresses a PDF attachment of the draft in place (the file on disk is untouched). */
  compressAttachment(id: number, attachmentId: number): Promise<CompressionView>;
  /** Records the draft as sent on paper instead (the officer's choice). */
  sendDraftOnPaper(id: number): Promise<SendOutcome>;
  folder(folder: Folder): Promise<MessageRow[]>;
  message(id: string): Promise<MessageView>;
  refreshStatus(id: string): Promise<MessageView>;
  /** A draft to send a Failed message again (digitally or on paper); the same draft until it is sent. */
  sendAgain(id: string): Promise<number>;
  /** Withdraws an Outbox message not yet handed to the intermediary; the draft made of it. */
  withdraw(id: string): Promise<number>;
  /** Records that a Failed message was handled outside Kuvert, with the officer's note. */
  markHandled(id: string, note: string): Promise<MessageView>;
  searchLog(filter: LogFilterView): Promise<MessageRow[]>;
  chooseSavePath(suggestedName: string): Promise<string | null>;
  chooseFiles(): Promise<string[]>;
  exportLog(format: ExportKind, filter: LogFilterView, path: string): Promise<Written>;
  archiveMessage(id: string, path: string): Promise<Written>;
  /** One filing package (E-ARK SIP) of every entry `filter` selects; `count` = messages. */
  archiveLog(filter: LogFilterView, path: string): Promise<Written>;
  /** "Spara som PDF": the letter and its PDF attachments in one file. */
  saveLetter(id: string, path: string): Promise<PrintFileView>;
  /** "Skriv ut": the same file, opened in the system's PDF viewer. */
  printLetter(id: string): Promise<PrintFileView>;
  purge(days: number, dryRun: boolean): Promise<PurgeView>;
  purges(): Promise<PurgeRecordView[]>;
  verifyLog(): Promise<ChainView>;
  /** Stores a certificate password; `seal`: direct mode's own seal certificate's. */
  storePassword(password: string, seal?: boolean): Promise<void>;
  /** Asks for a certificate file (native dialog); `null` when cancelled. */
  chooseCertificate(): Promise<string | null>;
  /** Imports a PKCS#12 certificate into the per-user profile and opens it. */
  importCertificate(path: string, password: string): Promise<InstalledCertificateView>;
  /** Where Kuvert keeps its files, as `kuvert paths` shows them. */
  paths(): Promise<PathsView>;
  /** "Spara felsökningsinfo": the diagnostics bundle for IT, written to `path`. */
  saveDiagnostics(path: string): Promise<Written>;
  /** Background status changes; returns a function that stops listening. */
  onStatusChange(listener: (change: StatusChange) => void): Promise<() => void>;
  /** Files dropped on the window (paths); returns a function that stops listening. */
  onFilesDropped(listener: (paths: string[]) => void): Promise<() => void>;
  /** Calls `listener` when another program has handed something over (take it with `takeComposeRequest`). */
  onComposeRequested(listener: () => void): Promise<() => void>;
}

/** Every rejected backend call carries one `CommandError`. */
export class BackendError extends Error {
  readonly detail: CommandError;
  constructor(detail: CommandError) {
    super(detail.message);
    this.detail = detail;
  }
}

/** Whatever a call rejected with, as a `CommandError`. */
export function asCommandError(error: unknown): CommandError {
  if (error instanceof BackendError) return error.detail;
  if (typeof error === "object" && error !== null && "code" in error && "message" in error) {
    const e = error as Partial<CommandError>;
    return {
      code: e.code ?? "unknown",
      message: String(e.message ?? ""),
      problems: Array.isArray(e.problems) ? e.problems : [],
    };
  }
  return { code: "unknown", message: String(error), problems: [] };
}

export const emptyFilter: LogFilterView = {
  text: null,
  recipient: null,
  case_number: null,
  from: null,
  to: null,
  states: [],
  protection_class: null,
  sender_name: null,
  officer: null,
  limit: 0,
};

export const emptyFields: DraftFieldsView = {
  recipient: "",
  subject: "",
  body: "",
  case_number: "",
  attention: "",
  protection_class: null,
  case_type: null,
  sender_name: null,
  event: null,
  postal_address: "",
};
