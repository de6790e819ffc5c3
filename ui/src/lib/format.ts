// Sizes and attachment rules as the compose form shows them, and times as
// Swedes read them.
import type { Lang } from "./i18n";
import type { AttachmentView, RulesView } from "./backend/types";

/** Decimal units, like the core's summary ("1,4 MB" / "1.4 MB"). */
export function formatSize(bytes: number, lang: Lang): string {
  const units = ["byte", "kB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = unit === 0 ? String(value) : value.toFixed(1);
  return `${lang === "sv" ? text.replace(".", ",") : text} ${units[unit]}`;
}

const LABELS: Record<string, string> = {
  "application/pdf": "PDF",
  "image/jpeg": "JPEG",
  "image/png": "PNG",
  "text/plain": "Text",
  "image/gif": "GIF",
  "image/tiff": "TIFF",
};

/** A short type name people know. */
export function typeLabel(contentType: string): string {
  return LABELS[contentType] ?? contentType;
}

export type AttachmentProblem = "type_not_allowed" | "too_large" | "empty" | "total_too_large";

/** What is wrong with an attachment under the organisation's rules. */
export function attachmentProblems(
  attachment: AttachmentView,
  rules: RulesView,
): AttachmentProblem[] {
  const problems: AttachmentProblem[] = [];
  if (attachment.size === 0) problems.push("empty");
  if (attachment.size > rules.max_attachment_bytes) problems.push("too_large");
  if (!rules.allowed_attachment_types.includes(attachment.content_type)) {
    problems.push("type_not_allowed");
  }
  return problems;
}

/** Whether the attachments together exceed the total allowed. */
export function totalTooLarge(attachments: AttachmentView[], rules: RulesView): boolean {
  return attachments.reduce((sum, a) => sum + a.size, 0) > rules.max_total_attachment_bytes;
}

/**
 * Swedish local time (Europe/Stockholm, with daylight saving time), whatever
 * the machine's own time zone: the backend sends instants (RFC 3339 with an
 * offset) and every time shown is formatted here. WebKitGTK's and Node's ICU
 * carry the time zone database.
 */
const SWEDISH_TIME = new Intl.DateTimeFormat("sv-SE", {
  timeZone: "Europe/Stockholm",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** The Swedish date and time parts of `rfc3339`, or null if it is not a time. */
function swedishParts(rfc3339: string): Record<string, string> | null {
  const at = new Date(rfc3339);
  if (Number.isNaN(at.getTime())) return null;
  return Object.fromEntries(SWEDISH_TIME.formatToParts(at).map((p) => [p.type, p.value]));
}

/** Swedish date and time to the minute ("2026-12-02 00:15"); text that is not a time as it is. */
export function shortTime(rfc3339: string): string {
  const p = swedishParts(rfc3339);
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : rfc3339;
}

const READABLE_PARTS: Intl.DateTimeFormatOptions = {
  timeZone: "Europe/Stockholm",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
};
const READABLE_TIME: Record<Lang, Intl.DateTimeFormat> = {
  sv: new Intl.DateTimeFormat("sv-SE", READABLE_PARTS),
  en: new Intl.DateTimeFormat("en-GB", READABLE_PARTS),
};

/**
 * A time as people read it in their language, in Swedish local time:
 * "1 dec. 2026 19:07" / "1 Dec 2026 19:07". Text that is not a time as it is.
 */
export function localTime(rfc3339: string, lang: Lang): string {
  const at = new Date(rfc3339);
  if (Number.isNaN(at.getTime())) return rfc3339;
  const p = Object.fromEntries(READABLE_TIME[lang].formatToParts(at).map((part) => [part.type, part.value]));
  return `${p.day} ${p.month} ${p.year} ${p.hour}:${p.minute}`;
}

/** The Swedish calendar day ("2027-11-23") of a time, as registrars write dates. */
export function dayOf(rfc3339: string): string {
  const p = swedishParts(rfc3339);
  return p ? `${p.year}-${p.month}-${p.day}` : rfc3339.slice(0, 10);
}
