import { describe, expect, it } from "vitest";

import { catalogues } from "../lib/i18n/messages";
import { fromShanghaiInput, newDraft, problems, toForm, toShanghaiInput } from "./visit-form";

const zh = catalogues["zh-CN"];
const now = Date.UTC(2026, 10, 28, 2, 0);

describe("the visit form", () => {
  it("refuses a red-risk visit without a follow-up, pointing at the field", () => {
    const draft = newDraft(now);
    draft.risk = "red";
    expect(problems(draft, zh)).toEqual([{ field: "followUp", message: zh.visitForm.redNeedsFollowUp }]);
    draft.followUpAction = "明天再次上门";
    expect(problems(draft, zh)).toEqual([]);
    draft.followUpDue = now + 3 * 24 * 3600 * 1000;
    expect(problems(draft, zh).map((p) => p.field)).toEqual(["followUpDue"]);
  });

  it("gives the core flat checks, the incident and the follow-up", () => {
    const draft = newDraft(now);
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
    expect(toForm(newDraft(now)).followUp).toBeNull();
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
