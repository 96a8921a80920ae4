// The visit form's model and its checks before saving: pure, so it is tested
// without a window. The core checks again (the shared rules); these only spare the
// assistant a round trip and point at the field.
import type { CheckArea, CheckState, IncidentKind, RiskLevel, Timestamp, VisitForm, VisitMode, VisitOutcome } from "../lib/api/types";
import type { Messages } from "../lib/i18n/messages";

export const CHECK_AREAS: CheckArea[] = ["health", "economic", "family", "safety", "serviceNeeds"];

export interface VisitDraft {
  visitedAt: Timestamp;
  mode: VisitMode;
  outcome: VisitOutcome;
  checks: Record<CheckArea, { state: CheckState; note: string }>;
  risk: RiskLevel;
  incident: IncidentKind | "none";
  incidentNote: string;
  followUpAction: string;
  followUpDue: Timestamp;
  notes: string;
}

const DAY = 24 * 3600 * 1000;

export function newDraft(now: Timestamp): VisitDraft {
  const unchecked = () => ({ state: "notChecked" as CheckState, note: "" });
  return {
    visitedAt: now,
    mode: "home",
    outcome: "metElder",
    checks: {
      health: unchecked(),
      economic: unchecked(),
      family: unchecked(),
      safety: unchecked(),
      serviceNeeds: unchecked(),
    },
    risk: "green",
    incident: "none",
    incidentNote: "",
    followUpAction: "",
    followUpDue: now + DAY,
    notes: "",
  };
}

export type DraftProblem = { field: "followUp" | "followUpDue"; message: string };

/** What is wrong with the draft, field by field; empty when it may be saved. */
export function problems(draft: VisitDraft, m: Messages): DraftProblem[] {
  const out: DraftProblem[] = [];
  const wantsFollowUp = draft.risk === "red" || draft.followUpAction.trim() !== "";
  if (draft.risk === "red" && draft.followUpAction.trim() === "") {
    out.push({ field: "followUp", message: m.visitForm.redNeedsFollowUp });
  }
  if (wantsFollowUp && draft.risk === "red" && draft.followUpDue > draft.visitedAt + DAY) {
    out.push({ field: "followUpDue", message: m.visitForm.redNeedsFollowUp });
  }
  return out;
}

/** The form the core takes. */
export function toForm(draft: VisitDraft): VisitForm {
  const flat = (area: CheckArea) => draft.checks[area];
  return {
    visitedAt: draft.visitedAt,
    mode: draft.mode,
    outcome: draft.outcome,
    checks: {
      health: flat("health").state,
      healthNote: flat("health").note,
      economic: flat("economic").state,
      economicNote: flat("economic").note,
      family: flat("family").state,
      familyNote: flat("family").note,
      safety: flat("safety").state,
      safetyNote: flat("safety").note,
      serviceNeeds: flat("serviceNeeds").state,
      serviceNeedsNote: flat("serviceNeeds").note,
    },
    risk: draft.risk,
    referrals: {},
    incident: draft.incident === "none" ? null : { kind: draft.incident, note: draft.incidentNote },
    notes: draft.notes,
    followUp: draft.followUpAction.trim() === "" ? null : { action: draft.followUpAction.trim(), dueAt: draft.followUpDue },
  };
}

const SHANGHAI = 8 * 3600 * 1000;

/** An instant as a `datetime-local` value in Asia/Shanghai (UTC+8, no daylight saving
 * since 1991), whatever zone the computer is set to. */
export function toShanghaiInput(at: Timestamp): string {
  return new Date(at + SHANGHAI).toISOString().slice(0, 16);
}

/** A `datetime-local` value read as Asia/Shanghai time; `null` when incomplete. */
export function fromShanghaiInput(value: string): Timestamp | null {
  const at = Date.parse(`${value}:00+08:00`);
  return Number.isNaN(at) ? null : at;
}
