// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";

import type { Backend } from "../lib/api/backend";
import type { ElderPage, VisitForm } from "../lib/api/types";
import { choose, cleanUp, show, submit, type } from "../lib/dom-testing";
import { ElderController } from "./elder.svelte";
import VisitFormView from "./VisitFormView.svelte";

afterEach(cleanUp);

const rules = { clockSkewMinutes: 10, redRiskFollowUpHours: 24 };

function recordingBackend(recorded: VisitForm[]): Backend {
  return {
    recordVisit: async (_elder: string, form: VisitForm) => {
      recorded.push(form);
      return { visit: "v1", page: { rows: { elder: { elderId: "e1" }, followUps: [] } } as unknown as ElderPage };
    },
  } as unknown as Backend;
}

describe("the visit form", () => {
  it("shows the problem beside the field and saves nothing until it is put right", async () => {
    const recorded: VisitForm[] = [];
    const elder = new ElderController(recordingBackend(recorded));
    elder.elder = "e1";
    let closed = 0;
    show(VisitFormView, { elder, rules, done: () => closed++ });

    choose("input[name=risk][value=red]");
    await submit();
    const problem = document.getElementById("problem-followUp");
    expect(problem?.textContent).toBe("红色风险必须安排 24 小时内的跟进。");
    expect(document.querySelector("input[name=followUp]")?.getAttribute("aria-describedby")).toBe("problem-followUp");
    expect(recorded).toHaveLength(0);

    type("input[name=followUp]", "明天上午再次上门");
    expect(document.getElementById("problem-followUp"), "the message goes as soon as the field is right").toBeNull();
    choose("input[type=checkbox]");
    await submit();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.risk).toBe("red");
    expect(recorded[0]!.followUp?.action).toBe("明天上午再次上门");
    expect(recorded[0]!.referrals).toEqual({ communityHealthCentre: "" });
    expect(closed).toBe(1);
  });
});

describe("the visit form over open follow-ups", () => {
  it("offers them, and the visit completes the ones ticked", async () => {
    const recorded: VisitForm[] = [];
    const elder = new ElderController(recordingBackend(recorded));
    elder.elder = "e1";
    const open = { followUpId: "f-open", action: "明天再次上门", dueAt: Date.UTC(2026, 10, 29), resolution: null };
    const done = { ...open, followUpId: "f-done", resolution: { at: 1, by: { user: "u", device: "d" }, visit: null, note: "已电话联系" } };
    elder.page = { rows: { elder: { elderId: "e1" }, followUps: [open, done] } } as unknown as ElderPage;
    show(VisitFormView, { elder, rules, done: () => {} });
    const offered = [...document.querySelectorAll<HTMLInputElement>("input[name=completes]")].map((i) => i.value);
    expect(offered).toEqual(["f-open"]);
    choose("input[name=completes]");
    await submit();
    expect(recorded[0]!.completes).toEqual(["f-open"]);
  });
});
