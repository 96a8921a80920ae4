// The badges of a roster line, most urgent first: pure, so it is tested without a window.
import type { RosterLine } from "../lib/api/types";
import type { Messages } from "../lib/i18n/messages";

export type BadgeKind = "danger" | "warning" | "ok" | "info";

export interface Badge {
  kind: BadgeKind;
  text: string;
}

export function badges(line: RosterLine, m: Messages): Badge[] {
  const b = m.roster.badges;
  const out: Badge[] = [];
  if (line.followUpsPastDue > 0) out.push({ kind: "danger", text: b.followUpLate });
  if (line.latestRisk === "red") out.push({ kind: "danger", text: b.redRisk });
  if (line.daysOverdue > 0) out.push({ kind: "danger", text: b.overdue(line.daysOverdue) });
  else if (line.dueThisWeek) out.push({ kind: "warning", text: b.dueThisWeek });
  else if (line.dueThisMonth) out.push({ kind: "warning", text: b.due });
  if (line.visitedThisMonth) out.push({ kind: "ok", text: b.visited });
  if (line.openFollowUps > 0 && line.followUpsPastDue === 0) out.push({ kind: "warning", text: b.followUp });
  if (line.openConflicts > 0) out.push({ kind: "warning", text: b.conflict });
  if (line.rejected > 0) out.push({ kind: "danger", text: b.rejected });
  if (line.unsynced > 0) out.push({ kind: "info", text: b.unsynced });
  return out;
}
