// The message list as Outlook users expect it: a search box that narrows
// the folder, columns that sort, and the keyboard moving through the rows.
import type { MessageRow, MessageState } from "../../lib/backend/types";

export type SortKey = "recipient" | "subject" | "case_number" | "state" | "created_at";

export interface Sort {
  key: SortKey;
  descending: boolean;
}

/** Newest first, as every mail program opens a folder. */
export const NEWEST_FIRST: Sort = { key: "created_at", descending: true };

/** The columns the officer can sort by, in the order shown. */
export const SORT_KEYS: SortKey[] = ["created_at", "recipient", "subject", "case_number", "state"];

// States in the order of a message's life, so sorting by state groups them sensibly.
const STATE_ORDER: MessageState[] = ["queued", "signed", "submitted", "pending", "delivered", "paper", "failed", "withdrawn"];

/** Whether a row holds every word of `query` (recipient, subject, diarienummer, sender, officer; case ignored). */
export function matches(row: MessageRow, query: string): boolean {
  const words = query.toLocaleLowerCase("sv").split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return true;
  const digits = row.recipient.replace(/\D/g, "");
  const text = [row.recipient, digits, row.subject, row.case_number ?? "", row.sender_name, row.officer ?? ""]
    .join("\n")
    .toLocaleLowerCase("sv");
  return words.every((w) => text.includes(w));
}

function compare(a: MessageRow, b: MessageRow, key: SortKey): number {
  switch (key) {
    case "state":
      return STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state);
    case "created_at":
      return Date.parse(a.created_at) - Date.parse(b.created_at);
    case "case_number":
      return (a.case_number ?? "").localeCompare(b.case_number ?? "", "sv", { numeric: true });
    default:
      return a[key].localeCompare(b[key], "sv", { numeric: true });
  }
}

/** The rows the search leaves, in the chosen order (ties newest first). */
export function arrange(rows: MessageRow[], query: string, sort: Sort): MessageRow[] {
  return rows
    .filter((r) => matches(r, query))
    .sort((a, b) => {
      const order = compare(a, b, sort.key) * (sort.descending ? -1 : 1);
      return order !== 0 ? order : compare(b, a, "created_at");
    });
}

/** A click on a column header: that column ascending, or the other way round when it is already chosen. */
export function toggle(sort: Sort, key: SortKey): Sort {
  return sort.key === key ? { key, descending: !sort.descending } : { key, descending: key === "created_at" };
}

/** The row a key moves to from `current` (-1: none chosen) in a list of `length`; null for other keys. */
export function moveTo(key: string, current: number, length: number): number | null {
  if (length === 0) return null;
  switch (key) {
    case "ArrowDown":
      return Math.min(current + 1, length - 1);
    case "ArrowUp":
      return Math.max(current - 1, 0);
    case "Home":
      return 0;
    case "End":
      return length - 1;
    default:
      return null;
  }
}
