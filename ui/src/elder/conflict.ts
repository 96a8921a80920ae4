// A conflicting value as a person reads it: text as written, yes/no, a closed set's
// label, or "not filled in".
import type { JsonValue, Label } from "../lib/api/types";
import { locale } from "../lib/i18n/i18n.svelte";
import type { Messages } from "../lib/i18n/messages";

/** Label tables of the profile fields whose values are closed sets, by field name. */
export type FieldLabels = Record<string, Record<string, Label>>;

export function describeValue(field: string, value: JsonValue, m: Messages, tables: FieldLabels): string {
  if (value === null || value === "") return m.elder.none;
  if (typeof value === "boolean") return value ? m.elder.yes : m.elder.no;
  const table = tables[field.split(".").pop() ?? ""];
  if (typeof value === "string") return table?.[value]?.[locale.language] ?? value;
  return typeof value === "number" ? String(value) : JSON.stringify(value);
}
