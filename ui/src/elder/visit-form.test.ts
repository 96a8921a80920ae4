import { describe, expect, it } from "vitest";

import { catalogues } from "../lib/i18n/messages";
import { draftOf, fromShanghaiInput, newDraft, problems, toForm, toShanghaiInput } from "./visit-form";

const zh = catalogues["zh-CN"];
const now = Date.UTC(2026, 10, 28, 2, 0);
const rules = { clockSkewMinutes: 10, redRiskFollowUpHours: 24 };

describe("the visit form", () => {
  it("refuses a red-risk visit without a follow-up, pointing at the field", () => {
    const draft = newDraft(now, rules);
    draft.risk = "red";
    expect(problems(draft, zh, now, rules)).toEqual([{ field: "followUp", message: zh.visitForm.redNeedsFollowUp(24) }]);
    expect(problems(draft, zh, now, rules, true), "a correction whose follow-up exists").toEqual([]);
    draft.followUpAction = "明天再次上门";
    expect(problems(draft, zh, now, rules)).toEqual([]);
    draft.followUpDue = now + 3 * 24 * 3600 * 1000;
    expect(problems(draft, zh, now, rules).map((p) => p.field)).toEqual(["followUpDue"]);
    draft.followUpDue = now - 1;
    expect(problems(draft, zh, now, rules)).toEqual([{ field: "followUpDue", message: zh.visitForm.followUpBeforeVisit }]);
  });

  it("refuses a visit in the future beyond the clock-skew allowance", () => {
    const draft = newDraft(now, rules);
    draft.visitedAt = now + 5 * 60 * 1000;
    expect(problems(draft, zh, now, rules)).toEqual([]);
    draft.visitedAt = now + 3600 * 1000;
    expect(problems(draft, zh, now, rules)).toEqual([{ field: "visitedAt", message: zh.visitForm.notInFuture }]);
  });

  it("takes the city's numbers, not its own", () => {
    const city = { clockSkewMinutes: 90, redRiskFollowUpHours: 72 };
    const draft = newDraft(now, city);
    expect(draft.followUpDue).toBe(now + 72 * 3600 * 1000);
    draft.visitedAt = now + 60 * 60 * 1000;
    expect(problems(draft, zh, now, city), "an hour ahead is within a 90-minute allowance").toEqual([]);
    expect(problems(draft, zh, now, rules).map((p) => p.field)).toEqual(["visitedAt"]);
    draft.visitedAt = now;
    draft.risk = "red";
    draft.followUpAction = "联系家属";
    draft.followUpDue = now + 48 * 3600 * 1000;
    expect(problems(draft, zh, now, city), "due in two days is within three").toEqual([]);
    expect(problems(draft, zh, now, rules).map((p) => p.field)).toEqual(["followUpDue"]);
  });

  it("drafts a correction from the visit as recorded, and gives back the same record", () => {
    const draft = newDraft(now - 3600 * 1000, rules);
    draft.mode = "phone";
    draft.risk = "yellow";
    draft.checks.health = { state: "concern", note: "血压偏高" };
    draft.referrals = { communityHealthCentre: "  预约全科  " };
    draft.incident = "hospitalStay";
    draft.incidentNote = "住院三天";
    draft.notes = "女儿在场";
    const form = toForm(draft);
    expect(form.referrals).toEqual({ communityHealthCentre: "预约全科" });
    const row = {
      elderId: "e", visitId: "v", assistant: "u", device: "d", visitedAt: form.visitedAt ?? 0, recordedAt: now,
      mode: form.mode, outcome: form.outcome, checks: form.checks, risk: form.risk, referrals: form.referrals,
      incident: form.incident, notes: form.notes,
    };
    const again = draftOf(row, now, rules);
    expect(again.followUpAction).toBe("");
    expect({ ...toForm(again), followUp: null }).toEqual({ ...form, followUp: null });
  });

  it("gives the core flat checks, the incident and the follow-up", () => {
    const draft = newDraft(now, rules);
    draft.checks.safety = { state: "concern", note: "燃气软管老化" };
    draft.incident = "fall";
    draft.incidentNote = "在家中跌倒";
    draft.followUpAction = "  联系家属  ";
    const form = toForm(draft);
    expect(form.checks.safety).toBe("concern");
    expect(form.checks.safetyNote).toBe("燃气软管老化");
    expect(form.checks.health).toBe("notChecked");
    expect(form.incident).toEqual({ kind: "fall", note: "在家中跌倒" });
    expect(form.followUp).toEqual({ action: "联系家属", dueAt: now + 24 * 3600 * 1000 });
    expect(toForm(newDraft(now, rules)).followUp).toBeNull();
  });
});

describe("visit times", () => {
  it("are entered in Asia/Shanghai whatever the computer's zone", () => {
    // 2026-11-28T02:00Z is 10:00 in Shanghai.
    expect(toShanghaiInput(now)).toBe("2026-11-28T10:00");
    expect(fromShanghaiInput("2026-11-28T10:00")).toBe(now);
    expect(fromShanghaiInput("")).toBeNull();
  });
});
