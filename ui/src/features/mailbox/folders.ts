// The folder pane's folders, in order, with their text keys.
import type { TextKey } from "../../lib/i18n";
import type { Folder } from "../../lib/backend/types";

export type FolderName = Folder | "drafts";

export const FOLDERS: { name: FolderName; label: TextKey }[] = [
  { name: "drafts", label: "folder.drafts" },
  { name: "outbox", label: "folder.outbox" },
  { name: "sent", label: "folder.sent" },
  { name: "paper", label: "folder.paper" },
  { name: "failed", label: "folder.failed" },
  { name: "needs_attention", label: "folder.needs_attention" },
];

/** Local date and time, short ("2026-11-23 14:05"). */
export function shortTime(rfc3339: string): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A file name safe on every platform, for suggested save names. */
export function safeFileName(text: string): string {
  return text.replace(/[^\p{L}\p{N}._-]+/gu, "_").replace(/^_+|_+$/g, "").slice(0, 80) || "kuvert";
}

/** The current time, RFC 3339. */
export function nowText(): string {
  return new Date().toISOString();
}
