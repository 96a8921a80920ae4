// @vitest-environment happy-dom
import { flushSync } from "svelte";
import { afterEach, describe, expect, it } from "vitest";

import { cleanUp, settle, show, submit, type } from "../lib/dom-testing";
import { alert, FakeBackend } from "../lib/fake-backend";
import { locale } from "../lib/i18n/i18n.svelte";
import { SupervisionController } from "./supervision.svelte";
import SupervisionView from "./SupervisionView.svelte";

afterEach(() => {
  cleanUp();
  locale.language = "zh-CN";
});

const rows = () =>
  [...document.querySelectorAll("table.coverage tbody tr")].map((row) =>
    [...row.querySelectorAll("th, td")].map((cell) => cell.textContent?.trim()),
  );

function click(text: string) {
  const button = [...document.querySelectorAll("button")].find((b) => b.textContent?.trim() === text);
  if (!button) throw new Error(`no button ${text}`);
  button.click();
  flushSync();
}

async function shown(backend: FakeBackend) {
  const supervision = new SupervisionController(backend.asBackend);
  show(SupervisionView, { supervision });
  await settle();
  flushSync();
  return supervision;
}

describe("the supervisor's view", () => {
  it("draws the area's twelve months and opens its month's unvisited list in one click", async () => {
    await shown(new FakeBackend());
    click("思明区");
    const chart = document.querySelector("figure.rate-chart svg");
    expect(chart?.getAttribute("aria-label")).toBe("思明区 近12个月探访率");
    expect(chart?.querySelectorAll("rect.bar")).toHaveLength(12);
    // November: 4 of 7, short of the target.
    expect(chart?.querySelectorAll("rect.bar")[11]?.classList.contains("short")).toBe(true);
    expect(document.querySelector("table.elders")).toBeNull();
    click("查看本月未探访名单（2 人）");
    const elders = [...document.querySelectorAll("table.elders tbody tr")].map((row) => row.textContent);
    expect(elders.map((e) => e?.includes("陈阿婆") || e?.includes("林阿公"))).toEqual([true, true]);
    expect(elders[0]).toContain("鹭江街道 · 和平社区");
    click("收起未探访名单");
    expect(document.querySelector("table.elders")).toBeNull();
  });

  it("drills from the city down to a community's elders not visited, and back", async () => {
    await shown(new FakeBackend());
    expect(rows()).toEqual([
      ["合计", "10", "6", "60%", "100%", "2"],
      ["思明区", "7", "4", "57.1%", "100%", "2"],
      ["湖里区", "3", "2", "66.7%", "100%", "0"],
    ]);
    click("思明区");
    click("鹭江街道");
    click("和平社区");
    expect(document.querySelector("tr.total th")?.firstChild?.textContent).toBe("和平社区");
    expect(document.querySelector("tr.total .level")?.textContent).toBe("社区");
    expect([...document.querySelectorAll("nav.path button, nav.path [aria-current]")].map((e) => e.textContent)).toEqual([
      "合计",
      "思明区",
      "鹭江街道",
      "和平社区",
    ]);
    const elders = [...document.querySelectorAll("table.elders tbody tr")].map((row) => row.textContent);
    expect(elders).toHaveLength(1);
    expect(elders[0]).toContain("陈阿婆");
    expect(elders[0]).toContain("88 天");
    click("思明区");
    expect(rows().map((row) => row[0])).toEqual(["思明区区", "鹭江街道", "中华街道"]);
  });

  it("closes an alert with a note and exports the area shown", async () => {
    const backend = new FakeBackend();
    backend.open = [alert(), alert({ visitId: "0192f2a0-0000-7000-8000-000000000302", elderName: "林阿公", redRisk: false })];
    const supervision = await shown(backend);
    expect(document.querySelector(".alerts p")?.textContent).toBe("待处理预警 2 条");
    expect(document.querySelector(".alerts li")?.textContent).toContain("红色风险");
    expect(document.querySelector(".alerts li")?.textContent).toContain("跌倒");

    type(".alerts li input[name=note]", "已电话联系家属");
    await submit(".alerts li form");
    expect(backend.closes).toEqual([{ visit: "0192f2a0-0000-7000-8000-000000000301", note: "已电话联系家属" }]);
    expect(document.querySelectorAll(".alerts li")).toHaveLength(1);
    expect(document.querySelector(".alerts p")?.textContent).toBe("待处理预警 1 条");

    click("思明区");
    const select = document.querySelector<HTMLSelectElement>("select[name=format]")!;
    select.value = "pdf";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    await submit("form.export");
    expect(backend.exports).toEqual([{ month: supervision.month, area: "350201", format: "pdf", language: "zh-CN" }]);
    expect(document.querySelector(".saved")?.textContent).toBe(`已保存到 /home/supervisor/Downloads/jinlin-${supervision.month}-350201.pdf`);
  });

  it("says the view needs the server when it cannot be reached, in English too", async () => {
    locale.language = "en";
    const backend = new FakeBackend();
    backend.offline = true;
    await shown(backend);
    expect(document.querySelector("[role=alert]")?.textContent).toContain("needs the network");
    expect(document.querySelector("table.coverage")).toBeNull();
  });

  it("lists the area's early warnings, the escalated ones marked for the district", async () => {
    const backend = new FakeBackend();
    const warning = {
      elderId: "0192f2a0-0000-7000-8000-000000000101",
      elderName: "王秀英",
      street: "鹭江街道",
      community: "和平社区",
      reason: "unvisited" as const,
      since: Date.parse("2026-11-19T16:00:00Z"),
      escalatesAt: Date.parse("2026-11-24T16:00:00Z"),
      level: "district" as const,
      openedAt: Date.parse("2026-11-19T16:01:00Z"),
      closed: null,
    };
    backend.warningList = [warning, { ...warning, elderId: "b", elderName: "李建国", reason: "followUpOverdue", level: "street" }];
    await shown(backend);
    const items = [...document.querySelectorAll("section.warnings li")];
    expect(items.map((li) => li.querySelector("strong")?.textContent)).toEqual(["王秀英", "李建国"]);
    expect(items[0]?.textContent).toContain("到预警日仍未探访");
    expect(items[0]?.classList.contains("district")).toBe(true);
    expect(items[1]?.textContent).toContain("跟进事项逾期");
    expect(document.querySelector("section.warnings p")?.textContent).toBe("待处理 2 条");
  });
});

