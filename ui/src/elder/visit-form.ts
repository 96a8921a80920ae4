// The visit form's model and its checks before saving: pure, so it is tested
// without a window. The core checks again (the shared rules); these only spare the
// assistant a round trip and point at the field.
import type {
  CheckArea,
  FollowUpId,
  CheckState,
  IncidentKind,
  Referral,
  RiskLevel,
  Timestamp,
  VisitForm,
  VisitMode,
  VisitOutcome,
  VisitRow,
  VisitRules,
} from "../lib/api/types";
import type { Messages } from "../lib/i18n/messages";

export const CHECK_AREAS: CheckArea[] = ["health", "economic", "family", "safety", "serviceNeeds"];

export interface VisitDraft {
  visitedAt: Timestamp;
  mode: VisitMode;
  outcome: VisitOutcome;
  checks: Record<CheckArea, { state: CheckState; note: string }>;
  risk: RiskLevel;
  /** Referral kind → its note; a kind is chosen when present. */
  referrals: Partial<Record<Referral, string>>;
  incident: IncidentKind | "none";
  incidentNote: string;
  followUpAction: string;
  followUpDue: Timestamp;
  notes: string;
  /** Open follow-ups this visit completes. */
  completes: FollowUpId[];
}

const HOUR = 3600 * 1000;

/** The window within which a red-risk visit's follow-up is due, in milliseconds. */
const followUpWindow = (rules: VisitRules) => rules.redRiskFollowUpHours * HOUR;

/** A new visit's draft; its follow-up, if one is added, is due as late as a red-risk one may be. */
export function newDraft(now: Timestamp, rules: VisitRules): VisitDraft {
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
    referrals: {},
    incident: "none",
    incidentNote: "",
    followUpAction: "",
    followUpDue: now + followUpWindow(rules),
    notes: "",
    completes: [],
  };
}

/** The draft of a correction: the visit as it was recorded, with no new follow-up. */
export function draftOf(visit: VisitRow, now: Timestamp, rules: VisitRules): VisitDraft {
  const checks = visit.checks;
  return {
    visitedAt: visit.visitedAt,
    mode: visit.mode,
    outcome: visit.outcome,
    checks: {
      health: { state: checks.health, note: checks.healthNote },
      economic: { state: checks.economic, note: checks.economicNote },
      family: { state: checks.family, note: checks.familyNote },
      safety: { state: checks.safety, note: checks.safetyNote },
      serviceNeeds: { state: checks.serviceNeeds, note: checks.serviceNeedsNote },
    },
    risk: visit.risk,
    referrals: { ...visit.referrals },
    incident: visit.incident?.kind ?? "none",
    incidentNote: visit.incident?.note ?? "",
    followUpAction: "",
    followUpDue: Math.max(now, visit.visitedAt) + followUpWindow(rules),
    notes: visit.notes,
    completes: [],
  };
}

export type DraftField = "visitedAt" | "followUp" | "followUpDue";
export type DraftProblem = { field: DraftField; message: string };

/**
 * What is wrong with the draft, field by field; empty when it may be saved. `rules`
 * are the city's (the elder page brings them from the core).
 * `followUpExists`: the visit being corrected already has its follow-up.
 */
export function problems(
  draft: VisitDraft,
  m: Messages,
  now: Timestamp,
  rules: VisitRules,
  followUpExists = false,
): DraftProblem[] {
  const out: DraftProblem[] = [];
  if (draft.visitedAt > now + rules.clockSkewMinutes * 60 * 1000) out.push({ field: "visitedAt", message: m.visitForm.notInFuture });
  const action = draft.followUpAction.trim();
  if (draft.risk === "red" && action === "" && !followUpExists) {
    out.push({ field: "followUp", message: m.visitForm.redNeedsFollowUp(rules.redRiskFollowUpHours) });
  }
  if (action !== "" && draft.followUpDue <= draft.visitedAt) {
    out.push({ field: "followUpDue", message: m.visitForm.followUpBeforeVisit });
  } else if (action !== "" && draft.risk === "red" && draft.followUpDue > draft.visitedAt + followUpWindow(rules)) {
    out.push({ field: "followUpDue", message: m.visitForm.redNeedsFollowUp(rules.redRiskFollowUpHours) });
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
    referrals: Object.fromEntries(Object.entries(draft.referrals).map(([kind, note]) => [kind, (note ?? "").trim()])),
    incident: draft.incident === "none" ? null : { kind: draft.incident, note: draft.incidentNote },
    notes: draft.notes,
    followUp: draft.followUpAction.trim() === "" ? null : { action: draft.followUpAction.trim(), dueAt: draft.followUpDue },
    completes: [...draft.completes],
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
