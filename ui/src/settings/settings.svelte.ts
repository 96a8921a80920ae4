// The settings a person changes in the window: server address, language, text size
// and the lock delay. The core checks and saves them; the language takes effect here.
import type { Backend } from "../lib/api/backend";
import { isErrorView } from "../lib/api/backend";
import type { Language, StationErrorCode, TextSize, WindowSettings } from "../lib/api/types";
import { locale } from "../lib/i18n/i18n.svelte";

/** The root font size for each text size: 100 %, 125 % and 150 % of 18 px. */
export const TEXT_SCALE: Record<TextSize, number> = { standard: 1, large: 1.25, extraLarge: 1.5 };
export const BASE_FONT_PX = 18;

export const DEFAULT_SETTINGS: WindowSettings = {
  server: "http://127.0.0.1:8080",
  language: "zh-CN",
  textSize: "standard",
  lockAfterMinutes: 10,
};

export class SettingsController {
  current = $state<WindowSettings>({ ...DEFAULT_SETTINGS });
  error = $state<StationErrorCode | null>(null);
  /** The core's words for a refused setting (which one, and why). */
  detail = $state<string | null>(null);
  saving = $state(false);
  saved = $state(false);

  constructor(private readonly backend: Backend) {}

  async load(): Promise<void> {
    this.#take(await this.backend.settings());
  }

  /** Saves every choice at once; on refusal nothing changes, here or in the core. */
  async save(chosen: WindowSettings): Promise<boolean> {
    this.saving = true;
    this.saved = false;
    this.error = null;
    this.detail = null;
    try {
      this.#take(await this.backend.saveSettings(chosen));
      this.saved = true;
      return true;
    } catch (error) {
      this.error = isErrorView(error) ? error.code : "internal";
      this.detail = isErrorView(error) ? error.message : null;
      return false;
    } finally {
      this.saving = false;
    }
  }

  /** The header's language switch: saved like any other setting. */
  async setLanguage(language: Language): Promise<boolean> {
    locale.language = language;
    return this.save({ ...this.current, language });
  }

  /** The root font size the text size asks for, in pixels. */
  get fontSizePx(): number {
    return BASE_FONT_PX * TEXT_SCALE[this.current.textSize];
  }

  #take(settings: WindowSettings): void {
    this.current = settings;
    locale.language = settings.language;
  }
}
