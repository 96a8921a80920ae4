// What every controller that calls the core keeps: whether a call is running, and
// the code and the core's own words of the last refusal.
import { isErrorView } from "./api/backend";
import type { RefusalView, StationErrorCode } from "./api/types";

/** A sentence of the core's: English always, Chinese where the core has one. */
export interface Said {
  en: string;
  zh: string | null;
}

export class Fallible {
  busy = $state(false);
  error = $state<StationErrorCode | null>(null);
  /** The core's own words for the last refusal: English (for the English screen) and,
   * where the core has it, Chinese. */
  detail = $state<Said | null>(null);
  /** The rule that refused, and the field at fault, when a rule did. */
  refusal = $state<RefusalView | null>(null);

  /** Runs `action`, keeping its refusal; true when it succeeded. */
  protected async attempt(action: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    this.detail = null;
    this.refusal = null;
    try {
      await action();
      return true;
    } catch (error) {
      this.error = isErrorView(error) ? error.code : "internal";
      this.detail = isErrorView(error) ? { en: error.message, zh: error.zh ?? null } : null;
      this.refusal = isErrorView(error) ? (error.refusal ?? null) : null;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
