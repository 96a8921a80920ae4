// The settings a person changes in the window: server address, language, text size
// and the lock delay. The core checks and saves them; the language takes effect here.
import type { Backend } from "../lib/api/backend";
import type { Language, ServerCheck, TextSize, WindowSettings } from "../lib/api/types";
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
  firstRun: false,
};

export class SettingsController extends Fallible {
  current = $state<WindowSettings>({ ...DEFAULT_SETTINGS });
  saved = $state(false);
  /** What the last test of a server address found; null until one passes. */
  checked = $state<ServerCheck | null>(null);

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

  /** Tests a server address before it is saved; true when the server answered. */
  async check(server: string, caCertificate: string | null): Promise<boolean> {
    this.checked = null;
    return this.attempt(async () => {
      this.checked = await this.backend.checkServer(server, caCertificate);
    });
  }

  /** The first run's last step: the tested address (and authority) saved. */
  async saveServer(caCertificate: string | null): Promise<boolean> {
    const checked = this.checked;
    if (checked === null) return false;
    return this.save({ ...this.current, server: checked.server, caCertificate });
  }

  /** The header's language switch: saved like any other setting, but on the first
   * run, where saving would keep an untested server, only kept until the server is. */
  async setLanguage(language: Language): Promise<boolean> {
    locale.language = language;
    if (this.current.firstRun) {
      this.current = { ...this.current, language };
      return true;
    }
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
