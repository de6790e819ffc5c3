// Errors as the officer reads them: the code decides the text (through the
// language table), never the message's wording.
import { t, type Lang, type TextKey } from "./i18n";
import type { CommandError } from "./backend/types";
import { sv } from "./i18n/sv";

const FIELD_KEYS = Object.fromEntries(Object.keys(sv).filter((k) => k.startsWith("field.")).map((k) => [k, true]));

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
    // Each problem names its field ("Postadress: Fältet måste fyllas i.").
    problems: error.problems.map((p) => {
      const text = lang === "sv" ? p.swedish : p.english;
      const key = `field.${p.field}` as TextKey;
      return key in FIELD_KEYS ? `${t(lang, key)}: ${text}` : text;
    }),
    detail: error.problems.length > 0 ? "" : error.message,
  };
}
