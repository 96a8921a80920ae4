// The supervisor's screen: the month's coverage of their area with the place drilled
// down to, the alerts, and saving the report as a file. Everything comes from the
// server; nothing of it is kept on this workstation.
import type { Backend } from "../lib/api/backend";
import type { AlertView, CoverageView, ReportFormat, Language, VisitId, WarningView } from "../lib/api/types";
import { Fallible } from "../lib/fallible.svelte";
import { currentMonth } from "./coverage";

export class SupervisionController extends Fallible {
  month = $state(currentMonth());
  coverage = $state<CoverageView | null>(null);
  /** The code of the area shown; the report's own area when null. */
  focus = $state<string | null>(null);
  alerts = $state<AlertView[]>([]);
  warnings = $state<WarningView[]>([]);
  showClosed = $state(false);
  /** Where the last report was saved. */
  saved = $state<string | null>(null);
  #asked = 0;

  constructor(private readonly backend: Backend) {
    super();
  }

  /** Forgets everything (someone signed out). */
  reset(): void {
    this.#asked++;
    this.coverage = null;
    this.focus = null;
    this.alerts = [];
    this.warnings = [];
    this.saved = null;
    this.showClosed = false;
    this.month = currentMonth();
    this.error = null;
    this.detail = null;
  }

  /** Loads the month's coverage and the alerts; a slower earlier answer never overwrites a later one. */
  async load(): Promise<void> {
    const asked = ++this.#asked;
    const month = this.month;
    await this.attempt(async () => {
      const [coverage, alerts, warnings] = await Promise.all([
        this.backend.coverage(month, null),
        this.backend.alerts(this.showClosed),
        this.backend.warnings(this.showClosed),
      ]);
      if (asked !== this.#asked) return;
      this.coverage = coverage;
      this.alerts = alerts;
      this.warnings = warnings;
      if (this.focus !== null && !coverage.summary.some((line) => line.code === this.focus)) this.focus = null;
    });
  }

  async loadAlerts(): Promise<void> {
    await this.attempt(async () => {
      [this.alerts, this.warnings] = await Promise.all([
        this.backend.alerts(this.showClosed),
        this.backend.warnings(this.showClosed),
      ]);
    });
  }

  /** Shows the area with `code` (null: the whole area). */
  drill(code: string | null): void {
    this.focus = code;
  }

  /** Closes an alert with a note; true when it was closed. */
  async closeAlert(visit: VisitId, note: string): Promise<boolean> {
    return this.attempt(async () => {
      const closed = await this.backend.closeAlert(visit, note);
      this.alerts = this.showClosed
        ? this.alerts.map((alert) => (alert.visitId === visit ? closed : alert))
        : this.alerts.filter((alert) => alert.visitId !== visit);
    });
  }

  /** Saves the report of the area shown, in `format`, with headers in `language`. */
  async exportReport(format: ReportFormat, language: Language): Promise<boolean> {
    this.saved = null;
    return this.attempt(async () => {
      this.saved = await this.backend.exportReport(this.month, this.focus, format, language);
    });
  }
}
