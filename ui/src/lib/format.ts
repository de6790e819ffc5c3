// Sizes and attachment rules as the compose form shows them.
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

/** The calendar day (`2027-11-23`) of an RFC 3339 time, as registrars write dates. */
export function dayOf(rfc3339: string): string {
  return rfc3339.slice(0, 10);
}
