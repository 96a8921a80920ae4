// The settings a person changes in the window: server address, language, text size
// and the lock delay. The core checks and saves them; the language takes effect here.
import type { Backend } from "../lib/api/backend";
import type { Language, TextSize, WindowSettings } from "../lib/api/types";
import { Fallible } from "../lib/fallible.svelte";
import { locale } from "../lib/i18n/i18n.svelte";

/** The root font size for each text size: 100 %, 125 % and 150 % of 18 px. */
export const TEXT_SCALE: Record<TextSize, number> = { standard: 1, large: 1.25, extraLarge: 1.5 };
export const BASE_FONT_PX = 18;

export const DEFAULT_SETTINGS: WindowSettings = {
  server: "http://127.0.0.1:8080",
  caCertificate: null,
  language: "zh-CN",
  textSize: "standard",
  lockAfterMinutes: 10,
};

export class SettingsController extends Fallible {
  current = $state<WindowSettings>({ ...DEFAULT_SETTINGS });
  saved = $state(false);

  constructor(private readonly backend: Backend) {
    super();
  }

  async load(): Promise<void> {
    this.#take(await this.backend.settings());
  }

  /** Saves every choice at once; on refusal nothing changes, here or in the core. */
  async save(chosen: WindowSettings): Promise<boolean> {
    this.saved = false;
    this.saved = await this.attempt(async () => this.#take(await this.backend.saveSettings(chosen)));
    return this.saved;
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
