// The roster screen's state: the chosen filter and search, and the view they give.
import type { Backend } from "../lib/api/backend";
import { isErrorView } from "../lib/api/backend";
import type { RosterFilter, RosterQuery, RosterView, StationErrorCode } from "../lib/api/types";

export type FilterChoice = "all" | "dueThisMonth" | "overdue" | "visitedThisMonth" | "openConflicts" | "openFollowUps";

export const FILTER_CHOICES: FilterChoice[] = [
  "all",
  "dueThisMonth",
  "overdue",
  "visitedThisMonth",
  "openFollowUps",
  "openConflicts",
];

/** The query for a filter choice and search text. */
export function queryFor(choice: FilterChoice, search: string): RosterQuery {
  const filters: RosterFilter[] = choice === "all" ? [] : [{ kind: choice }];
  return { filters, search: search.trim() };
}

export class RosterController {
  choice = $state<FilterChoice>("all");
  search = $state("");
  view = $state<RosterView | null>(null);
  error = $state<StationErrorCode | null>(null);
  #asked = 0;

  constructor(private readonly backend: Backend) {}

  /** Loads the roster for the current choice; a slower earlier answer never overwrites a later one. */
  async load(): Promise<void> {
    const asked = ++this.#asked;
    try {
      const view = await this.backend.roster(queryFor(this.choice, this.search));
      if (asked === this.#asked) {
        this.view = view;
        this.error = null;
      }
    } catch (error) {
      if (asked === this.#asked) this.error = isErrorView(error) ? error.code : "internal";
    }
  }
}
