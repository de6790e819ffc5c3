// Why a message failed or waits, and what each line of its status history
// says, in the officer's language. The backend sends codes with their
// parameters (kuvert_core::reason); the English record stays in the log.
import type { Answer, HistoryNote, Reason } from "./backend/types";
import { t, type Lang } from "./i18n";
import { formatSize } from "./format";

function answerText(lang: Lang, answer: Answer): string {
  if (answer.error_code === null || answer.call_id === null) return answer.text;
  return t(lang, "reason.answerCode", { text: answer.text, code: answer.error_code, call: answer.call_id });
}

/** A reason as the officer reads it. */
export function reasonText(lang: Lang, reason: Reason): string {
  switch (reason.code) {
    case "not_delivered":
    case "not_distributed":
    case "malformed_answer":
    case "unreachable":
    case "timeout":
    case "tls":
      return t(lang, `reason.${reason.code}`);
    case "too_large":
    case "answered":
      return t(lang, `reason.${reason.code}`, { answer: answerText(lang, reason.answer) });
    case "outcome_unknown":
      return t(lang, "reason.outcome_unknown", { cause: reasonText(lang, reason.cause) });
    case "configuration":
      return t(lang, "reason.configuration", { key: reason.key, cause: reasonText(lang, reason.cause) });
    case "gave_up":
      return t(lang, "reason.gave_up", { cause: reasonText(lang, reason.cause), attempts: reason.attempts });
    case "http":
      return t(lang, "reason.http", { status: reason.status });
    case "other":
      return reason.text;
  }
}

/** The network's own words (English, for IT), where the reason has them. */
export function technicalDetail(reason: Reason): string | null {
  switch (reason.code) {
    case "unreachable":
    case "timeout":
    case "tls":
    case "http":
      return reason.detail;
    case "outcome_unknown":
    case "configuration":
    case "gave_up":
      return technicalDetail(reason.cause);
    default:
      return null;
  }
}

/** Whether the message waits for a check rather than a new send. */
export function needsAttention(reason: Reason | null): boolean {
  return reason?.code === "outcome_unknown" || reason?.code === "configuration";
}

/** A status history line as the officer reads it. */
export function noteText(lang: Lang, note: HistoryNote): string {
  switch (note.code) {
    case "queued": {
      const compressed = note.compressed.map((c) =>
        t(lang, "note.compressed", { name: c.name, from: formatSize(c.from_bytes, lang), to: formatSize(c.to_bytes, lang) }),
      );
      return [t(lang, "note.queued"), ...compressed].join("; ");
    }
    case "signed":
      return note.bytes === null ? t(lang, "note.signed") : t(lang, "note.signedBytes", { size: formatSize(note.bytes, lang) });
    case "submitted": {
      const handed = note.distribution_id === null ? t(lang, "note.submitted") : t(lang, "note.submittedId", { id: note.distribution_id });
      return note.operator === null ? handed : `${handed}; ${t(lang, "note.mailbox", { operator: note.operator })}`;
    }
    case "handed_to_operator":
      return t(lang, "note.handedToOperator", { sealed: note.sealed_on, operator: note.operator, address: note.address, id: note.transaction_id });
    case "pending":
    case "delivered":
    case "paper":
    case "withdrawn":
    case "imported":
      return t(lang, `note.${note.code}`);
    case "failed":
      return t(lang, "note.failed", { reason: reasonText(lang, note.reason) });
    case "attempt_failed":
      return note.attempt === null
        ? t(lang, "note.attemptUnnumbered", { reason: reasonText(lang, note.reason) })
        : t(lang, "note.attempt", { attempt: note.attempt, reason: reasonText(lang, note.reason) });
    case "sent_again":
      return t(lang, "note.sentAgain", { id: note.message_id });
    case "resend_of":
      return t(lang, "note.resendOf", { id: note.message_id });
    case "handled_outside":
      return t(lang, "note.handledOutside", { note: note.note });
    case "other":
      return note.text;
  }
}
