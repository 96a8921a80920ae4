// The display language, and the formatting of labels, dates and rates in it.
import { REJECT_CODE_LABELS, type Label, type RefusalView, type Timestamp } from "../api/types";
import type { Said } from "../fallible.svelte";
import { catalogues, type Language, type Messages } from "./messages";

export const locale = $state<{ language: Language }>({ language: "zh-CN" });

/** The catalogue of the current language. */
export function t(): Messages {
  return catalogues[locale.language];
}

/** A closed set's value in the current language. */
export function label<K extends string>(table: Record<K, Label>, value: K, language: Language = locale.language): string {
  return table[value][language];
}

/** A date and time in Asia/Shanghai, in the language's own format. */
export function formatDateTime(at: Timestamp, language: Language = locale.language): string {
  return new Intl.DateTimeFormat(language, {
    timeZone: "Asia/Shanghai",
    dateStyle: "medium",
    timeStyle: "short",
  }).format(new Date(at));
}

/** A rate (0–1) as a percentage with one decimal. */
export function formatRate(rate: number, language: Language = locale.language): string {
  return new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 }).format(rate);
}

/**
 * What to say after a refusal's code: the rule that refused (in the user's language)
 * and the field at fault; or, on the English screen only, the core's own sentence.
 * Never an English sentence on a Chinese screen.
 */
export function refusalDetail(
  refusal: RefusalView | null,
  detail: Said | null,
  language: Language = locale.language,
): string {
  if (refusal !== null) {
    const rule = label(REJECT_CODE_LABELS, refusal.code, language);
    return refusal.field === null ? rule : `${rule} (${refusal.field})`;
  }
  return language === "en" ? (detail?.en ?? "") : (detail?.zh ?? "");
}
