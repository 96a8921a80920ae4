// What every controller that calls the core keeps: whether a call is running, and
// the code and the core's own words of the last refusal.
import { isErrorView } from "./api/backend";
import type { StationErrorCode } from "./api/types";

export class Fallible {
  busy = $state(false);
  error = $state<StationErrorCode | null>(null);
  /** The core's own words for the last refusal (which field, which rule). */
  detail = $state<string | null>(null);

  /** Runs `action`, keeping its refusal; true when it succeeded. */
  protected async attempt(action: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    this.detail = null;
    try {
      await action();
      return true;
    } catch (error) {
      this.error = isErrorView(error) ? error.code : "internal";
      this.detail = isErrorView(error) ? error.message : null;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
