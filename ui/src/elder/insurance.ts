// The insurance form's rules before anything is sent: which steps a case may take
// next (the core checks them again, and the server after it), and amounts typed in
// yuan turned into fen.
import { FIELD_LIMITS, type CaseState, type CaseStep } from "../lib/api/types";

export type StepKind = CaseStep["step"];

/** The steps a case in `state` may take next, in the order the form offers them. */
export function nextSteps(state: CaseState): StepKind[] {
  switch (state) {
    case "lead":
      return ["reported"];
    case "reported":
      return ["paid", "declined", "reported"];
    case "paid":
    case "declined":
      return ["paid", "declined", "reported"];
  }
}

/** Yuan as typed ("1234.5", "1,234.50") in fen, or null when it is not an amount the scheme pays. */
export function fenOf(typed: string): number | null {
  const text = typed.replace(/[,，\s]/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(text)) return null;
  const [whole, cents = ""] = text.split(".");
  const fen = Number(whole) * 100 + Number(cents.padEnd(2, "0"));
  return fen >= 1 && fen <= FIELD_LIMITS.claimYuan * 100 ? fen : null;
}

/** Fen as yuan with two decimals. */
export function yuan(fen: number): string {
  return `${Math.trunc(fen / 100)}.${String(Math.abs(fen % 100)).padStart(2, "0")}`;
}
