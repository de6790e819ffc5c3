// Text tables per language; components call `t(lang, key, values)`.
import { en } from "./en";
import { sv, type TextKey } from "./sv";

export type Lang = "sv" | "en";
export type { TextKey };

const tables: Record<Lang, Record<TextKey, string>> = { sv, en };

/** The text for `key` in `lang`, with `{name}` placeholders filled in. */
export function t(lang: Lang, key: TextKey, values: Record<string, string | number> = {}): string {
  return tables[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

/** A state name (`delivered`, …) as the officer reads it. */
export function stateText(lang: Lang, state: string): string {
  const key = `state.${state}` as TextKey;
  return key in tables[lang] ? tables[lang][key] : state;
}
