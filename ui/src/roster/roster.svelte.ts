// The roster screen's state: the chosen filter and search, and the view they give.
import type { Backend } from "../lib/api/backend";
import { isErrorView } from "../lib/api/backend";
import type { Language, RosterFilter, RosterQuery, RosterView, StationErrorCode } from "../lib/api/types";

export type FilterChoice =
  | "all"
  | "dueThisMonth"
  | "dueThisWeek"
  | "overdue"
  | "followUpsDue"
  | "visitedThisMonth"
  | "redRisk"
  | "openFollowUps"
  | "openConflicts"
  | "unsynced";

export const FILTER_CHOICES: FilterChoice[] = [
  "all",
  "dueThisMonth",
  "dueThisWeek",
  "overdue",
  "followUpsDue",
  "visitedThisMonth",
  "redRisk",
  "openFollowUps",
  "openConflicts",
  "unsynced",
];

/** The query for a filter choice and search text. "Not yet synced" is this
 * workstation's own count, not a rule of the roster: the core gives every line's
 * count and the controller keeps the lines that have some. */
export function queryFor(choice: FilterChoice, search: string): RosterQuery {
  const filters: RosterFilter[] =
    choice === "all" || choice === "unsynced" ? [] : choice === "redRisk" ? [{ kind: "risk", value: "red" }] : [{ kind: choice }];
  return { filters, search: search.trim() };
}

/** Lines waiting to sync here, or refused by the server. */
export function notYetSynced(view: RosterView): RosterView {
  return { ...view, lines: view.lines.filter((line) => line.unsynced > 0 || line.rejected > 0) };
}

export class RosterController {
  choice = $state<FilterChoice>("all");
  search = $state("");
  view = $state<RosterView | null>(null);
  error = $state<StationErrorCode | null>(null);
  /** Where the day's round list was saved, once printed. */
  printed = $state<string | null>(null);
  printing = $state(false);
  #asked = 0;

  constructor(private readonly backend: Backend) {}

  /** Forgets the view, the choice and the search (someone signed out). */
  reset(): void {
    this.#asked++;
    this.view = null;
    this.error = null;
    this.choice = "all";
    this.search = "";
  }

  /** Saves today's round list as a PDF; says where, or why not. */
  async printRoundList(language: Language): Promise<void> {
    this.printing = true;
    this.printed = null;
    try {
      this.printed = await this.backend.printRoundList(language);
      this.error = null;
    } catch (error) {
      this.error = isErrorView(error) ? error.code : "internal";
    } finally {
      this.printing = false;
    }
  }

  /** Loads the roster for the current choice; a slower earlier answer never overwrites a later one. */
  async load(): Promise<void> {
    const asked = ++this.#asked;
    try {
      const choice = this.choice;
      const view = await this.backend.roster(queryFor(choice, this.search));
      if (asked === this.#asked) {
        this.view = choice === "unsynced" ? notYetSynced(view) : view;
        this.error = null;
      }
    } catch (error) {
      if (asked === this.#asked) this.error = isErrorView(error) ? error.code : "internal";
    }
  }
}
