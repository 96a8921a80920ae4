// @vitest-environment happy-dom
import { flushSync } from "svelte";
import { afterEach, describe, expect, it } from "vitest";

import { cleanUp, show } from "../lib/dom-testing";
import { FakeBackend } from "../lib/fake-backend";
import { locale } from "../lib/i18n/i18n.svelte";
import { SyncController } from "./sync.svelte";
import SyncBar from "./SyncBar.svelte";

afterEach(() => {
  cleanUp();
  locale.language = "zh-CN";
});

describe("the sync bar", () => {
  it("says what the engine is doing, in the chosen language, as its status changes", async () => {
    const backend = new FakeBackend();
    const sync = new SyncController(backend.asBackend);
    await sync.start();
    show(SyncBar, { controller: sync });
    const bar = () => document.querySelector("[role=status]")?.textContent ?? "";
    expect(bar()).toContain("离线");
    expect(bar()).toContain("2 条待同步");

    for (const listener of backend.listeners) listener({ state: { kind: "upToDate" }, pending: 0, rejected: 0, lastSuccess: Date.UTC(2026, 10, 28, 2, 5), app: { kind: "upToDate" } });
    locale.language = "en";
    flushSync();
    expect(bar()).toContain("Up to date");
    expect(bar()).toContain("10:05");
    sync.stop();
  });
});
