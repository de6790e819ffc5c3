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

/** A file name safe on every platform, for suggested save names. */
export function safeFileName(text: string): string {
  return text.replace(/[^\p{L}\p{N}._-]+/gu, "_").replace(/^_+|_+$/g, "").slice(0, 80) || "kuvert";
}

/** The current time, RFC 3339. */
export function nowText(): string {
  return new Date().toISOString();
}
