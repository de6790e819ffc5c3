// The registrar's filter form as typed → the backend's filter.
import type { ExportKind, LogFilterView } from "../../lib/backend/types";
import { dayOf } from "../../lib/format";

export interface FilterForm {
  text: string;
  recipient: string;
  caseNumber: string;
  from: string;
  to: string;
  state: string;
  protectionClass: string;
  sender: string;
  officer: string;
}

const orNull = (value: string): string | null => (value.trim() === "" ? null : value.trim());

export function filterFromForm(form: FilterForm): LogFilterView {
  return {
    text: orNull(form.text),
    recipient: orNull(form.recipient),
    case_number: orNull(form.caseNumber),
    from: orNull(form.from),
    to: orNull(form.to),
    states: form.state ? [form.state] : [],
    protection_class: form.protectionClass ? Number(form.protectionClass) : null,
    sender_name: orNull(form.sender),
    officer: orNull(form.officer),
    limit: 500,
  };
}

const EXTENSIONS: Record<ExportKind, string> = { csv: "csv", jsonl: "jsonl", pdf: "pdf" };

/** "skickat-2026-11-23.csv", the Swedish day of `now`. */
export function exportFileName(format: ExportKind, now: Date): string {
  return `skickat-${dayOf(now.toISOString())}.${EXTENSIONS[format]}`;
}

/** The suggested name of a selection's filing package. */
export function packageFileName(now: Date): string {
  return `arkivpaket-${dayOf(now.toISOString())}.zip`;
}
