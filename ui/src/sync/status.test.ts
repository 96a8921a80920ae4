import { describe, expect, it } from "vitest";

import { catalogues } from "../lib/i18n/messages";
import { summarise } from "./status";

const zh = catalogues["zh-CN"];
const en = catalogues.en;
const time = () => "11:00";
const app = { kind: "upToDate" } as const;

describe("the sync bar's summary", () => {
  it("says offline with the waiting changes and that nothing synced yet", () => {
    const summary = summarise({ state: { kind: "offline" }, pending: 2, rejected: 0, lastSuccess: null, app }, zh, time);
    expect(summary.tone).toBe("offline");
    expect(summary.headline).toBe(zh.sync.offline);
    expect(summary.details).toEqual(["2 条待同步", "尚未同步"]);
  });

  it("says up to date with the last success", () => {
    const summary = summarise({ state: { kind: "upToDate" }, pending: 0, rejected: 1, lastSuccess: 1, app }, en, time);
    expect(summary.tone).toBe("ok");
    expect(summary.details).toEqual(["1 returned by the server", "Last synced 11:00"]);
  });

  it("does not say up to date while a change saved since waits", () => {
    const summary = summarise({ state: { kind: "upToDate" }, pending: 1, rejected: 0, lastSuccess: 1, app }, zh, time);
    expect(summary.tone).toBe("busy");
    expect(summary.headline).toBe("有修改等待同步");
  });

  it("tells what to do about an error, by its code", () => {
    const state = { kind: "error", code: "sessionExpired", message: "the session has expired" } as const;
    const summary = summarise({ state, pending: 5, rejected: 0, lastSuccess: null, app }, en, time);
    expect(summary.tone).toBe("error");
    expect(summary.advice).toBe(en.sync.advice.sessionExpired);
    expect(summary.release).toBeNull();
  });

  it("names a newer app the city offers, and says in Chinese when this one is too old to sync", () => {
    const offered = { kind: "updateAvailable", version: "0.3.0", download: "https://jinlin.xm.gov.cn/app" } as const;
    const newer = summarise({ state: { kind: "upToDate" }, pending: 0, rejected: 0, lastSuccess: 1, app: offered }, zh, time);
    expect(newer.tone).toBe("ok");
    expect(newer.release).toBe("有新版本 0.3.0 可用，请从 https://jinlin.xm.gov.cn/app 下载安装。");
    const state = { kind: "error", code: "appTooOld", message: "too old" } as const;
    const tooOld = { kind: "tooOld", minimum: "0.2.0", download: null } as const;
    const stopped = summarise({ state, pending: 3, rejected: 0, lastSuccess: 1, app: tooOld }, zh, time);
    expect(stopped.tone).toBe("error");
    expect(stopped.advice).toBe(zh.sync.advice.appTooOld);
    expect(stopped.release).toContain("请安装 0.2.0 或更新的版本");
    expect(stopped.details).toContain("3 条待同步");
  });
});
