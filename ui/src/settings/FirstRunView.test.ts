// @vitest-environment happy-dom
import { flushSync } from "svelte";
import { afterEach, describe, expect, it } from "vitest";

import { cleanUp, settle, show, submit, type } from "../lib/dom-testing";
import { FakeBackend } from "../lib/fake-backend";
import FirstRunView from "./FirstRunView.svelte";
import { SettingsController } from "./settings.svelte";

afterEach(cleanUp);

describe("the first-run screen", () => {
  it("tests the address before saving it, names what is wrong in Chinese, and saves only a tested one", async () => {
    const backend = new FakeBackend();
    backend.stored = { ...backend.stored, firstRun: true };
    const settings = new SettingsController(backend.asBackend);
    await settings.load();
    show(FirstRunView, { settings });
    const save = () => document.querySelector<HTMLButtonElement>("button.primary")!;
    expect(save().disabled, "nothing to save before a test").toBe(true);
    // The header's language switch saves nothing yet: it would keep an untested server.
    await settings.setLanguage("en");
    await settings.setLanguage("zh-CN");
    expect(backend.stored.firstRun).toBe(true);

    type("input[name=server]", "http://10.1.2.3:8080");
    await submit();
    expect(document.querySelector("[role=alert]")?.textContent).toContain("不能用 http:// 连接其他电脑上的服务器");
    expect(save().disabled).toBe(true);

    type("input[name=server]", "https://jinlin.example.gov.cn/login");
    await submit();
    expect(document.querySelector("[role=alert]")?.textContent).toContain("设置有误");

    type("input[name=server]", "https://unreachable.example.gov.cn");
    await submit();
    expect(document.querySelector("[role=alert]")?.textContent).toContain("当前无法连接服务器");

    type("input[name=server]", "https://jinlin.example.gov.cn/");
    await submit();
    expect(document.querySelector("[role=status]")?.textContent).toBe("连接成功：服务器版本 0.1.0。");
    expect(backend.stored.firstRun, "a test saves nothing").toBe(true);
    save().click();
    await settle();
    flushSync();
    expect(backend.stored.server).toBe("https://jinlin.example.gov.cn");
    expect(settings.current.firstRun).toBe(false);
  });
});
