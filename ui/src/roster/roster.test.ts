import { describe, expect, it } from "vitest";

import { FakeBackend, line } from "../lib/fake-backend";
import { catalogues } from "../lib/i18n/messages";
import { badges } from "./badges";
import { RosterController, queryFor } from "./roster.svelte";

const zh = catalogues["zh-CN"];

describe("roster badges", () => {
  it("put the most urgent first", () => {
    const texts = badges(line({ followUpsPastDue: 1, openFollowUps: 1, latestRisk: "red", daysOverdue: 4, unsynced: 1 }), zh).map(
      (b) => b.text,
    );
    expect(texts).toEqual(["跟进已超时", "红色风险", "逾期 4 天", "未同步"]);
  });

  it("say a visit falls due this week before saying it is due this month", () => {
    const texts = badges(line({ dueThisWeek: true }), zh).map((b) => b.text);
    expect(texts).toEqual(["本周到期"]);
  });

  it("show a visited elder as visited, not due", () => {
    const texts = badges(line({ dueThisMonth: false, visitedThisMonth: true, openConflicts: 1 }), zh).map((b) => b.text);
    expect(texts).toEqual(["本月已探访", "数据冲突"]);
  });
});

describe("the roster controller", () => {
  it("prints the day's round list and says where it went, or why not", async () => {
    const backend = new FakeBackend();
    const roster = new RosterController(backend.asBackend);
    await roster.printRoundList("zh-CN");
    expect(roster.printed).toBe(backend.printedTo);
    expect(roster.printing).toBe(false);
    backend.printRoundList = () => Promise.reject({ code: "printFailed", message: "no font", zh: null, refusal: null });
    await roster.printRoundList("zh-CN");
    expect(roster.printed).toBeNull();
    expect(roster.error).toBe("printFailed");
  });

  it("asks for the chosen filter and the trimmed search", async () => {
    const backend = new FakeBackend();
    const roster = new RosterController(backend.asBackend);
    roster.choice = "dueThisMonth";
    roster.search = "  wxy ";
    await roster.load();
    expect(backend.queries).toEqual([{ filters: [{ kind: "dueThisMonth" }], search: "wxy" }]);
    expect(roster.view?.lines).toHaveLength(1);
    expect(queryFor("all", "")).toEqual({ filters: [], search: "" });
    expect(queryFor("redRisk", "")).toEqual({ filters: [{ kind: "risk", value: "red" }], search: "" });
  });

  it("keeps only the lines waiting to sync or refused for the \"not yet synced\" choice", async () => {
    const backend = new FakeBackend();
    backend.lines = [line({ elderId: "a" }), line({ elderId: "b", unsynced: 2 }), line({ elderId: "c", rejected: 1 })];
    const roster = new RosterController(backend.asBackend);
    roster.choice = "unsynced";
    await roster.load();
    expect(backend.queries.at(-1)).toEqual({ filters: [], search: "" });
    expect(roster.view?.lines.map((l) => l.elderId)).toEqual(["b", "c"]);
    roster.choice = "all";
    await roster.load();
    expect(roster.view?.lines).toHaveLength(3);
  });
});

describe("signing out", () => {
  it("leaves nothing of the roster for the next person, even an answer still on its way", async () => {
    const backend = new FakeBackend();
    const roster = new RosterController(backend.asBackend);
    roster.search = "wxy";
    roster.choice = "overdue";
    const late = roster.load();
    roster.reset();
    await late;
    expect(roster.view).toBeNull();
    expect([roster.search, roster.choice]).toEqual(["", "all"]);
  });
});
