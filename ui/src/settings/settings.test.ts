import { describe, expect, it } from "vitest";

import { FakeBackend } from "../lib/fake-backend";
import { locale } from "../lib/i18n/i18n.svelte";
import { SettingsController } from "./settings.svelte";

describe("the settings controller", () => {
  it("applies the saved language and text size, and keeps everything when a choice is refused", async () => {
    const backend = new FakeBackend();
    const settings = new SettingsController(backend.asBackend);
    await settings.load();
    expect(settings.fontSizePx).toBe(18);

    expect(await settings.save({ ...settings.current, server: "192.168.1.10" })).toBe(false);
    expect(settings.error).toBe("badSettings");
    expect(settings.current.server).toBe("http://127.0.0.1:8080");

    expect(await settings.save({ ...settings.current, server: "http://10.0.0.2:8080" })).toBe(false);
    expect(settings.error).toBe("plainHttp");

    expect(await settings.save({ ...settings.current, server: "https://10.0.0.2:8080/", textSize: "extraLarge", language: "en" })).toBe(true);
    expect(settings.current.server).toBe("https://10.0.0.2:8080");
    expect(settings.fontSizePx).toBe(27);
    expect(locale.language).toBe("en");
    expect(backend.stored.textSize).toBe("extraLarge");

    await settings.setLanguage("zh-CN");
    expect(backend.stored.language).toBe("zh-CN");
    expect(locale.language).toBe("zh-CN");
  });
});
