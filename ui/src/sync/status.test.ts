import { describe, expect, it } from "vitest";

import { catalogues } from "../lib/i18n/messages";
import { summarise } from "./status";

const zh = catalogues["zh-CN"];
const en = catalogues.en;
const time = () => "11:00";

describe("the sync bar's summary", () => {
  it("says offline with the waiting changes and that nothing synced yet", () => {
    const summary = summarise({ state: { kind: "offline" }, pending: 2, rejected: 0, lastSuccess: null }, zh, time);
    expect(summary.tone).toBe("offline");
    expect(summary.headline).toBe(zh.sync.offline);
    expect(summary.details).toEqual(["2 条待同步", "尚未同步"]);
  });

  it("says up to date with the last success", () => {
    const summary = summarise({ state: { kind: "upToDate" }, pending: 0, rejected: 1, lastSuccess: 1 }, en, time);
    expect(summary.tone).toBe("ok");
    expect(summary.details).toEqual(["1 returned by the server", "Last synced 11:00"]);
  });

  it("does not say up to date while a change saved since waits", () => {
    const summary = summarise({ state: { kind: "upToDate" }, pending: 1, rejected: 0, lastSuccess: 1 }, zh, time);
    expect(summary.tone).toBe("busy");
    expect(summary.headline).toBe("有修改等待同步");
  });

  it("tells what to do about an error, by its code", () => {
    const state = { kind: "error", code: "sessionExpired", message: "the session has expired" } as const;
    const summary = summarise({ state, pending: 5, rejected: 0, lastSuccess: null }, en, time);
    expect(summary.tone).toBe("error");
    expect(summary.advice).toBe(en.sync.advice.sessionExpired);
  });
});
