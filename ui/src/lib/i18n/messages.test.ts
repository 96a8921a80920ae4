import { describe, expect, it } from "vitest";

import { VISIT_MODE_LABELS } from "../api/types";
import { formatDateTime, formatRate, label, refusalDetail } from "./i18n.svelte";
import { catalogues } from "./messages";

/** Every leaf of a catalogue, by dotted path, with functions called on `sample`. */
function leaves(value: unknown, path = "", sample = 3): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof value === "string") out.set(path, value);
  else if (typeof value === "function") out.set(path, String((value as (x: never) => unknown)(sample as never)));
  else if (typeof value === "object" && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      for (const [p, text] of leaves(inner, path ? `${path}.${key}` : key, sample)) out.set(p, text);
    }
  }
  return out;
}

describe("message catalogues", () => {
  it("have the same texts in zh-CN and English, none blank, and differ where words are", () => {
    const zh = leaves(catalogues["zh-CN"]);
    const en = leaves(catalogues.en);
    expect([...en.keys()].sort()).toEqual([...zh.keys()].sort());
    for (const [path, text] of [...zh, ...en]) expect(text.trim(), path).not.toBe("");
    expect(zh.get("sync.upToDate")).toBe("已同步");
    expect(en.get("sync.upToDate")).toBe("Up to date");
    expect(zh.get("roster.badges.overdue")).toBe("逾期 3 天");
  });

  it("say counts in English in the singular for one and the plural otherwise", () => {
    const { en } = catalogues;
    const counts: [string, (n: number) => string, string, string][] = [
      ["roster.count", en.roster.count, "1 elder", "2 elders"],
      ["roster.badges.overdue", en.roster.badges.overdue, "Overdue 1 day", "Overdue 2 days"],
      ["elder.unsynced", en.elder.unsynced, "1 change waiting to sync", "2 changes waiting to sync"],
      ["visitForm.charactersLeft", en.visitForm.charactersLeft, "1 character left", "2 characters left"],
      ["supervision.days", en.supervision.days, "1 day", "2 days"],
      ["supervision.openAlerts", en.supervision.openAlerts, "1 open alert", "2 open alerts"],
    ];
    for (const [path, message, one, two] of counts) {
      expect(message(1), path).toBe(one);
      expect(message(2), path).toBe(two);
    }
    expect(en.lock.explain(1)).toContain("after 1 minute without input");
    expect(en.lock.explain(2)).toContain("after 2 minutes without input");

    const zhWithOne = leaves(catalogues["zh-CN"], "", 1);
    for (const path of [...counts.map(([path]) => path), "lock.explain"]) {
      expect(zhWithOne.get(path), `zh-CN ${path}`).toContain("1");
    }
    // Any English message given 1, those above and any added later: never "1 days".
    for (const [path, text] of leaves(en, "", 1)) expect(text, path).not.toMatch(/\b1 [a-z]+s\b/);
  });

  it("label closed sets from the generated Rust table", () => {
    expect(label(VISIT_MODE_LABELS, "home", "zh-CN")).toBe("上门");
    expect(label(VISIT_MODE_LABELS, "home", "en")).toBe("Home visit");
  });

  it("show times in Asia/Shanghai whatever the computer's zone", () => {
    // 2026-11-30T16:30Z is 2026-12-01 00:30 in Shanghai.
    const at = Date.UTC(2026, 10, 30, 16, 30);
    expect(formatDateTime(at, "en")).toContain("Dec 1, 2026");
    expect(formatDateTime(at, "zh-CN")).toContain("2026年12月1日");
    expect(formatRate(0.875, "en")).toBe("87.5%");
  });
});

describe("a refusal", () => {
  const en = "visit 0192… is dated 2027-11-29 10:00, beyond the allowed 2026-11-29 10:10";
  const english = { en, zh: null };

  it("is said in the user's language from its code, with the field at fault", () => {
    const refusal = { code: "visitInFuture" as const, field: "visits.v1.visitedAt" };
    expect(refusalDetail(refusal, english, "zh-CN")).toBe("探访时间在未来 (visits.v1.visitedAt)");
    expect(refusalDetail(refusal, english, "en")).toBe("The visit is dated in the future (visits.v1.visitedAt)");
    expect(refusalDetail({ code: "notPermitted", field: null }, english, "zh-CN")).toBe("您的角色无权进行此操作");
  });

  it("never puts the core's English sentence on a Chinese screen", () => {
    expect(refusalDetail(null, english, "zh-CN")).toBe("");
    expect(refusalDetail(null, english, "en")).toBe(en);
    expect(refusalDetail(null, null, "en")).toBe("");
  });

  it("says a refused input in Chinese when the core has the sentence", () => {
    const said = { en: "the effective date 2020-01-01 is before the enrolment date 2025-12-07", zh: "生效日期 2020-01-01 早于登记日期 2025-12-07。" };
    expect(refusalDetail(null, said, "zh-CN")).toBe(said.zh);
    expect(refusalDetail(null, said, "en")).toBe(said.en);
  });
});
