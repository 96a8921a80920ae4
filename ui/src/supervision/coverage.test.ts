import { describe, expect, it } from "vitest";

import { cityCoverage } from "../lib/fake-backend";
import { ancestry, childrenOf, currentMonth, lineOf, notVisitedIn, overdue, trendOf } from "./coverage";

const names = (lines: { name: string }[]) => lines.map((line) => line.name);

describe("drilling down the coverage", () => {
  const view = cityCoverage();
  const city = lineOf(view, null)!;
  const siming = view.summary.find((l) => l.name === "思明区")!;
  const lujiang = view.summary.find((l) => l.name === "鹭江街道")!;
  const heping = view.summary.find((l) => l.name === "和平社区" && l.street === "鹭江街道")!;

  it("goes city → district → street → community, keeping to the area drilled into", () => {
    expect(names(childrenOf(view, city))).toEqual(["思明区", "湖里区"]);
    expect(names(childrenOf(view, siming))).toEqual(["鹭江街道", "中华街道"]);
    // Two streets each have a 和平社区: only 鹭江街道's is inside 鹭江街道.
    const communities = childrenOf(view, lujiang);
    expect(names(communities)).toEqual(["和平社区", "光明社区"]);
    expect(communities[0]!.street).toBe("鹭江街道");
    expect(childrenOf(view, heping)).toEqual([]);
  });

  it("names the way back up, from the report's area to the one shown", () => {
    expect(names(ancestry(view, heping))).toEqual(["全市", "思明区", "鹭江街道", "和平社区"]);
    expect(names(ancestry(view, lujiang))).toEqual(["全市", "思明区", "鹭江街道"]);
    expect(names(ancestry(view, city))).toEqual(["全市"]);
    expect(lineOf(view, heping.code)).toBe(heping);
    expect(lineOf(view, "no such code")).toBeNull();
  });

  it("lists a community's elders not visited, not those of a namesake community", () => {
    expect(names(notVisitedIn(view, heping))).toEqual(["陈阿婆"]);
    const other = view.summary.find((l) => l.name === "和平社区" && l.street === "中华街道")!;
    expect(names(notVisitedIn(view, other))).toEqual(["林阿公"]);
    expect(names(notVisitedIn(view, lujiang)), "a street's are its communities'").toEqual(["陈阿婆"]);
    expect(names(notVisitedIn(view, siming))).toEqual(["陈阿婆", "林阿公"]);
    expect(names(notVisitedIn(view, city))).toEqual(["陈阿婆", "林阿公"]);
    expect(overdue(siming)).toBe(2);
  });

  it("finds each area's twelve months by its code", () => {
    const points = trendOf(view, lujiang);
    expect(points).toHaveLength(12);
    expect(points.at(-1)).toMatchObject({ month: "2026-11", denominator: 5, visited: 3 });
    expect(trendOf(view, city).at(-1)).toMatchObject({ denominator: 10, visited: 6 });
  });

  it("takes this month in Asia/Shanghai, where a month starts eight hours before UTC's", () => {
    expect(currentMonth(new Date("2026-10-31T15:59:00Z"))).toBe("2026-10");
    expect(currentMonth(new Date("2026-10-31T16:00:00Z"))).toBe("2026-11");
  });
});
