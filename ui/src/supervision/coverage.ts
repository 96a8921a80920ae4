// Drilling down the coverage table: district → street → community → elder. The
// summary comes depth first from the server (the area, then every area inside it);
// these pure functions find an area's children, its ancestry and its elders.
import type { CoverageView, NotVisitedLine, SummaryLine, TrendPoint } from "../lib/api/types";

/** The level below `line`'s; below a community come its elders, not areas. */
function levelBelow(line: SummaryLine): SummaryLine["level"] | "none" {
  switch (line.level) {
    case null:
      return "district";
    case "district":
      return "street";
    case "street":
      return "community";
    case "community":
      return "none";
  }
}

/** Whether `inner` lies inside `outer` (by the district and street names each carries). */
function inside(inner: SummaryLine, outer: SummaryLine): boolean {
  switch (outer.level) {
    case null:
      return true;
    case "district":
      return inner.district === outer.name;
    case "street":
      return inner.district === outer.district && inner.street === outer.name;
    case "community":
      return false;
  }
}

/** The areas one level down inside `line`, in the server's order. */
export function childrenOf(view: CoverageView, line: SummaryLine): SummaryLine[] {
  const below = levelBelow(line);
  if (below === "none") return [];
  return view.summary.filter((other) => other.level === below && inside(other, line));
}

/** The line of the area with `code`; the report's own area when none is given. */
export function lineOf(view: CoverageView, code: string | null): SummaryLine | null {
  if (code === null) return view.summary[0] ?? null;
  return view.summary.find((line) => line.code === code) ?? null;
}

/** The way from the report's area down to `line`, both ends included. */
export function ancestry(view: CoverageView, line: SummaryLine): SummaryLine[] {
  const root = view.summary[0];
  if (!root) return [];
  const chain = view.summary.filter((other) => other !== line && other !== root && inside(line, other));
  const depth = (l: SummaryLine) => (l.level === "district" ? 1 : l.level === "street" ? 2 : 3);
  chain.sort((a, b) => depth(a) - depth(b));
  return line === root ? [root] : [root, ...chain, line];
}

/** The elders of an area not visited this month, most overdue first (as the server sends them). */
export function notVisitedIn(view: CoverageView, area: SummaryLine): NotVisitedLine[] {
  return view.notVisited.filter((elder) => {
    switch (area.level) {
      case null:
        return true;
      case "district":
        return elder.district === area.name;
      case "street":
        return elder.district === area.district && elder.street === area.name;
      case "community":
        return elder.district === area.district && elder.street === area.street && elder.community === area.name;
    }
  });
}

/** The visit rate of `line`'s area over the last twelve months, oldest first. */
export function trendOf(view: CoverageView, line: SummaryLine): TrendPoint[] {
  return view.trendByArea.find((trend) => trend.code === line.code)?.points ?? [];
}

/** Overdue elders of every tier. */
export function overdue(line: SummaryLine): number {
  return line.overdueByTier.highRisk + line.overdueByTier.key + line.overdueByTier.general;
}

/** This month in Asia/Shanghai, as `YYYY-MM`. */
export function currentMonth(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit" }).formatToParts(now);
  const year = parts.find((p) => p.type === "year")?.value ?? "1970";
  const month = parts.find((p) => p.type === "month")?.value ?? "01";
  return `${year}-${month}`;
}
