// Generated from src-tauri/src/dto.rs by `UPDATE_TS_TYPES=1 cargo test -p kuvert-desktop`.
// Do not edit; a test fails when this file is stale.

export type ErrorKind = "invalid_input" | "not_reachable" | "remote" | "verification" | "configuration" | "not_found" | "storage" | "not_configured" | "cancelled" | "unknown";

export type ProblemView = { 
/**
 * The form field (`recipient`, `subject`, …).
 */
field: string, 
/**
 * What kind of problem (a stable code).
 */
kind: string, 
/**
 * In Swedish.
 */
swedish: string, 
/**
 * In English.
 */
english: string, };

export type CommandError = { 
/**
 * What the UI acts on.
 */
code: ErrorKind, 
/**
 * Detail for the officer (English, from the core); the UI shows its
 * own text for `code` first.
 */
message: string, 
/**
 * For `invalid_input` on the compose form: every problem.
 */
problems: Array<ProblemView>, };

export type CaseTypeView = { 
/**
 * Its name.
 */
name: string, 
/**
 * The subject it fills in.
 */
subject: string | null, 
/**
 * The default protection class.
 */
protection_class: number | null, 
/**
 * The body skeleton.
 */
body: string | null, };

export type RulesView = { 
/**
 * Whether a diarienummer is required.
 */
require_case_number: boolean, 
/**
 * Largest single attachment, bytes.
 */
max_attachment_bytes: number, 
/**
 * Largest total of attachments, bytes.
 */
max_total_attachment_bytes: number, 
/**
 * Largest signed delivery as sent (the SOAP envelope), bytes.
 */
max_envelope_bytes: number, 
/**
 * Allowed MIME types.
 */
allowed_attachment_types: Array<string>, 
/**
 * Retention period in days.
 */
retention_days: number, };

export type ProfileView = { 
/**
 * Profile name.
 */
name: string, 
/**
 * `production` or `test`.
 */
environment: string, 
/**
 * Sender organisation number (display form).
 */
organisation_number: string, 
/**
 * Sender names; the first is the default.
 */
sender_names: Array<string>, 
/**
 * Support contact lines.
 */
support: Array<string>, 
/**
 * Case types.
 */
case_types: Array<CaseTypeView>, 
/**
 * Rules.
 */
rules: RulesView, 
/**
 * Whether the certificate needs a password from the keyring.
 */
needs_password: boolean, 
/**
 * The certificate file (PKCS#12, or the PEM certificate in the test environment).
 */
certificate_file: string, 
/**
 * The profile files read.
 */
files: Array<string>, 
/**
 * `intermediary` (through an intermediary) or `direct` (Kuvert's own
 * förmedling: FaR, then the recipient's mailbox operator).
 */
mode: string, 
/**
 * Direct mode's own seal certificate file (`[seal]`), when the profile
 * names one (otherwise the organisation's certificate seals).
 */
seal_file: string | null, 
/**
 * Whether that seal certificate needs a password of its own.
 */
seal_needs_password: boolean, 
/**
 * Department mode: the department server (`kuvert-server`) this
 * profile hands its messages to, which keeps the shared log.
 */
department_url: string | null, };

export type AppStatus = { 
/**
 * A profile is open.
 */
configured: boolean, 
/**
 * It is the built-in test environment.
 */
test_environment: boolean, 
/**
 * The profile, when open.
 */
profile: ProfileView | null, 
/**
 * Why the configured profile could not be opened, if it could not.
 */
problem: CommandError | null, };

export type CertificateHealthView = { 
/**
 * Whose: `certificate` (the organisation's) or `ca_bundle` (a CA
 * certificate the intermediary's servers are trusted by).
 */
check: string, 
/**
 * `warning` (expiring soon) or `problem` (not valid today).
 */
health: string, 
/**
 * Whole days until it expires (negative: expired).
 */
days_left: number, 
/**
 * What was found (English, for IT).
 */
found: string, };

export type RecipientCheck = { "kind": "invalid", 
/**
 * As entered.
 */
input: string, 
/**
 * Why (English).
 */
reason: string, } | { "kind": "checked", 
/**
 * As entered.
 */
input: string, 
/**
 * Display form, e.g. `19850101-2382`.
 */
recipient: string, 
/**
 * The mailbox operator when digital mail can be received.
 */
operator: string | null, 
/**
 * The answer in Swedish.
 */
swedish: string, 
/**
 * The answer in English.
 */
english: string, };

export type MatterStatusView = "senderinitiative" | "recipientinitiative" | "closed";

export type EventView = { 
/**
 * The status it gave its case.
 */
status: MatterStatusView, 
/**
 * The id of the event it follows (`PrecedingEventId`); `None` for the
 * case's first event to this recipient.
 */
preceding_event_id: string | null, };

export type DraftFieldsView = { 
/**
 * Recipient as typed.
 */
recipient: string, 
/**
 * Subject.
 */
subject: string, 
/**
 * Body.
 */
body: string, 
/**
 * Diarienummer as typed.
 */
case_number: string, 
/**
 * Attention (organisations).
 */
attention: string, 
/**
 * Skyddsklass 1–3 (4 is refused with an explanation).
 */
protection_class: number | null, 
/**
 * Case type name.
 */
case_type: string | null, 
/**
 * Sender name.
 */
sender_name: string | null, 
/**
 * Send as an event message (händelsemeddelande) giving the case this
 * status; `None` for an ordinary message. Needs the diarienummer.
 */
event: MatterStatusView | null, 
/**
 * The recipient's postal address (one line per line), for a letter.
 */
postal_address: string, };

export type AttachmentView = { 
/**
 * Its id within the draft.
 */
id: number, 
/**
 * File name.
 */
name: string, 
/**
 * MIME type.
 */
content_type: string, 
/**
 * Size in bytes.
 */
size: number, };

export type DraftView = { 
/**
 * Its id.
 */
id: number, 
/**
 * Last saved.
 */
updated_at: string, 
/**
 * The fields.
 */
fields: DraftFieldsView, 
/**
 * Attachments.
 */
attachments: Array<AttachmentView>, 
/**
 * The Failed message this draft is sent in place of, if any.
 */
follows_up: string | null, };

export type DraftRow = { 
/**
 * Its id.
 */
id: number, 
/**
 * Last saved.
 */
updated_at: string, 
/**
 * Recipient as typed.
 */
recipient: string, 
/**
 * Subject.
 */
subject: string, 
/**
 * Number of attachments.
 */
attachment_count: number, };

export type SummaryView = { 
/**
 * In Swedish.
 */
swedish: string, 
/**
 * In English.
 */
english: string, };

export type EnvelopeView = { 
/**
 * The SOAP envelope's bytes.
 */
bytes: number, 
/**
 * `rules.max_envelope_bytes`.
 */
max: number, 
/**
 * Whether it is within the limit.
 */
fits: boolean, 
/**
 * Size against limit in Swedish: "1,4 av 2,0 MB".
 */
swedish: string, };

export type CompressionView = { 
/**
 * The file name.
 */
file_name: string, 
/**
 * Its size before, bytes.
 */
original_size: number, 
/**
 * Its size now, bytes.
 */
compressed_size: number, 
/**
 * The draft with the compressed file.
 */
draft: DraftView, };

export type RefusedFileView = { 
/**
 * The file's name.
 */
file_name: string, 
/**
 * Why (the same error the file dialog's choice would give).
 */
error: CommandError, };

export type HandoffView = { 
/**
 * The new draft.
 */
draft_id: number, 
/**
 * The files that could not be attached, each with why.
 */
refused: Array<RefusedFileView>, };

export type SendOutcome = { "kind": "submitted", 
/**
 * Message id.
 */
message_id: string, 
/**
 * Mailbox operator.
 */
operator: string, } | { "kind": "paper", 
/**
 * Message id.
 */
message_id: string, 
/**
 * Why not digitally (Swedish).
 */
reason_swedish: string, 
/**
 * Why not digitally (English).
 */
reason_english: string, } | { "kind": "retrying", 
/**
 * Message id.
 */
message_id: string, 
/**
 * Why, as a code the UI renders.
 */
reason: Reason, 
/**
 * Next attempt.
 */
next_attempt_at: string | null, } | { "kind": "failed", 
/**
 * Message id.
 */
message_id: string, 
/**
 * Why, as a code the UI renders.
 */
reason: Reason, } | { "kind": "busy", 
/**
 * Message id.
 */
message_id: string, } | { "kind": "handed_over", 
/**
 * Message id.
 */
message_id: string, };

export type Folder = "outbox" | "sent" | "paper" | "failed" | "needs_attention";

export type MessageState = "queued" | "signed" | "submitted" | "pending" | "delivered" | "failed" | "paper" | "withdrawn";

export type MessageRow = { 
/**
 * Message id.
 */
message_id: string, 
/**
 * When it was stored.
 */
created_at: string, 
/**
 * State.
 */
state: MessageState, 
/**
 * When the state was entered.
 */
state_at: string, 
/**
 * Recipient (display form).
 */
recipient: string, 
/**
 * Subject.
 */
subject: string, 
/**
 * Diarienummer.
 */
case_number: string | null, 
/**
 * Protection class.
 */
protection_class: number, 
/**
 * Sender name.
 */
sender_name: string, 
/**
 * The recipient's mailbox operator, once submitted.
 */
mailbox: string | null, 
/**
 * Who sent it (display name), where recorded.
 */
officer: string | null, 
/**
 * Number of attachments.
 */
attachment_count: number, 
/**
 * Why it failed or is waiting, if it is, as a code the UI renders.
 */
reason: Reason | null, 
/**
 * Set for an event message.
 */
event: EventView | null, 
/**
 * A Failed message the officer has followed up (sent again or
 * handled outside Kuvert): no longer waiting for them.
 */
followed_up: boolean, };

export type Answer = { 
/**
 * The description or fault message.
 */
text: string, 
/**
 * The intermediary's error code, where it gave one.
 */
error_code: string | null, 
/**
 * The call id, where it gave one.
 */
call_id: string | null, };

export type Reason = { "code": "not_delivered" } | { "code": "not_distributed" } | { "code": "too_large", 
/**
 * The intermediary's own words.
 */
answer: Answer, } | { "code": "answered", 
/**
 * Its own words.
 */
answer: Answer, } | { "code": "malformed_answer" } | { "code": "outcome_unknown", 
/**
 * What the last attempt ran into.
 */
cause: Reason, } | { "code": "configuration", 
/**
 * The profile key naming the address.
 */
key: string, 
/**
 * What it answered.
 */
cause: Reason, } | { "code": "gave_up", 
/**
 * How many attempts were made.
 */
attempts: number, 
/**
 * What the last one ran into.
 */
cause: Reason, } | { "code": "unreachable", 
/**
 * The network's words, for IT.
 */
detail: string, } | { "code": "timeout", 
/**
 * The network's words, for IT.
 */
detail: string, } | { "code": "tls", 
/**
 * The network's words, for IT.
 */
detail: string, } | { "code": "http", 
/**
 * The status code.
 */
status: number, 
/**
 * The network's words, for IT.
 */
detail: string, } | { "code": "other", 
/**
 * The text.
 */
text: string, };

export type CompressedNote = { 
/**
 * The attachment's name.
 */
name: string, 
/**
 * The original's size in bytes.
 */
from_bytes: number, 
/**
 * The compressed size in bytes (what was sent).
 */
to_bytes: number, };

export type HistoryNote = { "code": "queued", 
/**
 * Attachments compressed to fit the envelope.
 */
compressed: Array<CompressedNote>, } | { "code": "signed", 
/**
 * The signed delivery's size, where recorded.
 */
bytes: number | null, } | { "code": "submitted", 
/**
 * The intermediary's distribution id, where recorded.
 */
distribution_id: string | null, 
/**
 * The recipient's mailbox operator, where recorded.
 */
operator: string | null, } | { "code": "handed_to_operator", 
/**
 * The operator's transaction id from its answer.
 */
transaction_id: string, 
/**
 * The mailbox operator.
 */
operator: string, 
/**
 * The operator's address the delivery went to.
 */
address: string, 
/**
 * The seal's date (`YYYY-MM-DD`).
 */
sealed_on: string, } | { "code": "pending" } | { "code": "delivered" } | { "code": "paper" } | { "code": "withdrawn" } | { "code": "failed", 
/**
 * Why.
 */
reason: Reason, } | { "code": "attempt_failed", 
/**
 * Which attempt, where recorded.
 */
attempt: number | null, 
/**
 * Why.
 */
reason: Reason, } | { "code": "sent_again", 
/**
 * The new message's id.
 */
message_id: string, } | { "code": "resend_of", 
/**
 * The failed message's id.
 */
message_id: string, } | { "code": "handled_outside", 
/**
 * The officer's note, as written.
 */
note: string, } | { "code": "imported", 
/**
 * The line as written.
 */
text: string, } | { "code": "other", 
/**
 * The line.
 */
text: string, };

export type TimelineEntry = { 
/**
 * When.
 */
at: string, 
/**
 * `enqueued`, `state_changed` or `attempt_failed`.
 */
kind: string, 
/**
 * The state after it.
 */
state: MessageState, 
/**
 * Detail as recorded (English; the sealed record).
 */
detail: string, 
/**
 * What it says, as a code the UI renders.
 */
note: HistoryNote, };

export type StoredAttachmentView = { 
/**
 * File name.
 */
name: string, 
/**
 * MIME type.
 */
content_type: string, 
/**
 * Size in bytes.
 */
size: number, };

export type FollowUpView = { "kind": "sent_again", 
/**
 * The new message's id.
 */
message_id: string, } | { "kind": "handled_outside", 
/**
 * The officer's note.
 */
note: string, };

export type MessageView = { 
/**
 * The list row's fields.
 */
row: MessageRow, 
/**
 * Body.
 */
body: string, 
/**
 * Attention.
 */
attention: string | null, 
/**
 * Distribution id.
 */
distribution_id: string | null, 
/**
 * The mailbox operator's service address, as FaR gave it.
 */
mailbox_address: string | null, 
/**
 * The sending officer's account, where recorded.
 */
officer_account: string | null, 
/**
 * Next attempt or status check.
 */
next_attempt_at: string | null, 
/**
 * Attachments.
 */
attachments: Array<StoredAttachmentView>, 
/**
 * Status timeline, oldest first.
 */
timeline: Array<TimelineEntry>, 
/**
 * For an event message, its case's events oldest first (itself among
 * them); empty for an ordinary message.
 */
thread: Array<MessageRow>, 
/**
 * For a Failed (or withdrawn) message, what the officer did about it.
 */
follow_up: FollowUpView | null, 
/**
 * Whether it may still be withdrawn from the Outbox (not yet handed to
 * the intermediary).
 */
withdrawable: boolean, };

export type LogFilterView = { 
/**
 * Free text.
 */
text: string | null, 
/**
 * Recipient identity number.
 */
recipient: string | null, 
/**
 * Diarienummer; trailing `*` for a prefix.
 */
case_number: string | null, 
/**
 * First day, YYYY-MM-DD.
 */
from: string | null, 
/**
 * Last day, YYYY-MM-DD.
 */
to: string | null, 
/**
 * States.
 */
states: Array<string>, 
/**
 * Protection class.
 */
protection_class: number | null, 
/**
 * Sender name.
 */
sender_name: string | null, 
/**
 * The sending officer's account.
 */
officer: string | null, 
/**
 * At most this many rows (0: 50).
 */
limit: number, };

export type ExportKind = "csv" | "jsonl" | "pdf";

export type Written = { 
/**
 * Where.
 */
path: string, 
/**
 * How many entries it holds.
 */
count: number, 
/**
 * A second file written beside it: a CSV export's purges
 * (`logg-gallringar.csv`).
 */
purges_path: string | null, 
/**
 * A third: a CSV export's signed anchor of the log
 * (`logg-forankring.csv`).
 */
anchor_path: string | null, };

export type PrintFileView = { 
/**
 * Where.
 */
path: string, 
/**
 * The PDF attachments whose pages follow the letter.
 */
appended: Array<string>, 
/**
 * PDF attachments that could not be added, to print separately.
 */
print_separately: Array<string>, };

export type InstalledCertificateView = { 
/**
 * The installed copy.
 */
file: string, 
/**
 * The per-user profile that names it.
 */
profile_file: string, 
/**
 * The certificate subject's common name.
 */
subject: string, 
/**
 * The organisation number in the certificate, as written there.
 */
organisation_number: string | null, 
/**
 * End of validity (RFC 3339, Swedish local time with the offset).
 */
not_after: string, 
/**
 * The profile now open.
 */
profile: ProfileView, };

export type PurgeView = { 
/**
 * Final before this time.
 */
cutoff: string, 
/**
 * How many messages.
 */
count: number, 
/**
 * A dry run only.
 */
dry_run: boolean, };

export type PurgeRecordView = { 
/**
 * When it was done.
 */
at: string, 
/**
 * Messages final before this time went (unless their case type keeps them longer).
 */
cutoff: string, 
/**
 * How many messages went.
 */
count: number, 
/**
 * SHA-256 of their ids.
 */
ids_sha256: string, 
/**
 * Who ordered it, where recorded.
 */
purger: string | null, 
/**
 * The rule applied, in words, where recorded.
 */
rule: string | null, };

export type ChainView = { 
/**
 * Intact: every entry holds and so does the signed anchor.
 */
intact: boolean, 
/**
 * Every entry holds, but no log key was at hand to check the anchor.
 */
unanchored: boolean, 
/**
 * Entries checked, or where and why it breaks.
 */
detail: string, 
/**
 * The entry the log's anchor names (the newest, when intact).
 */
anchor_seq: number | null, 
/**
 * When the anchor was written (RFC 3339, Swedish local time).
 */
anchored_at: string | null, };

export type ProfileLayerView = "system" | "user" | "explicit";

export type ProfileFileView = { 
/**
 * Its layer.
 */
layer: ProfileLayerView, 
/**
 * The file.
 */
path: string, 
/**
 * Whether it is there (and so read).
 */
read: boolean, };

export type LegacyStateView = "pending" | "interrupted" | "both_hold_data" | "moved";

export type LegacyView = { 
/**
 * The folder.
 */
path: string, 
/**
 * What it holds.
 */
state: LegacyStateView, };

export type PathsView = { 
/**
 * The data directory, shared with the `kuvert` command.
 */
data_dir: string, 
/**
 * The store open (the test environment has its own, beside the other).
 */
database: string, 
/**
 * That store's Outbox lock.
 */
outbox_lock: string, 
/**
 * The profile files, in the order they are read.
 */
profile_files: Array<ProfileFileView>, 
/**
 * Where imported certificates are kept.
 */
certificate_store: string | null, 
/**
 * The app's log file.
 */
log_file: string, 
/**
 * The old app data folder, when there is one to speak of.
 */
legacy: LegacyView | null, };

export type StatusChange = { 
/**
 * Message id.
 */
message_id: string, 
/**
 * The new state.
 */
state: MessageState, 
/**
 * Subject, for the notification.
 */
subject: string, 
/**
 * Recipient (display form).
 */
recipient: string, };

export type Language = "sv" | "en";

export type Preferences = { 
/**
 * The language chosen, or `None` before anyone chose.
 */
language: Language | null, 
/**
 * "Använd testmiljön" was chosen on the first-run page: without a
 * profile, the next start opens the test environment again instead of
 * asking once more (a configured profile always wins).
 */
test_environment: boolean, };
