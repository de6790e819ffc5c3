// Errors as the officer reads them: the code decides the text (through the
// language table), never the message's wording.
import { t, type Lang, type TextKey } from "./i18n";
import type { CommandError } from "./backend/types";

export interface ErrorText {
  /** What is wrong and what to do, in the officer's language. */
  headline: string;
  /** Each compose problem, in the officer's language. */
  problems: string[];
  /** The backend's detail (English), for support. */
  detail: string;
}

export function describeError(error: CommandError, lang: Lang): ErrorText {
  return {
    headline: t(lang, `error.${error.code}` as TextKey),
    problems: error.problems.map((p) => (lang === "sv" ? p.swedish : p.english)),
    detail: error.problems.length > 0 ? "" : error.message,
  };
}
