// A Backend for tests: answers from fixed data and records what it was asked.
import type { Backend } from "./api/backend";
import type {
  ErrorView,
  RosterLine,
  RosterQuery,
  RosterView,
  SignedInUser,
  SyncStatus,
  WindowSettings,
} from "./api/types";

export const assistant: SignedInUser = {
  id: "0192f2a0-0000-7000-8000-000000000001",
  login: "c350203001001a",
  displayName: "鹭江社区助老员 a",
  role: "assistant",
  scope: { kind: "area", area: "0192f2a0-0000-7000-8000-0000000000aa" },
};

export function line(overrides: Partial<RosterLine> = {}): RosterLine {
  return {
    elderId: "0192f2a0-0000-7000-8000-000000000101",
    community: "0192f2a0-0000-7000-8000-0000000000aa",
    name: "王秀英",
    nameInitials: "wxy",
    gender: "female",
    age: 82,
    status: "active",
    tier: "key",
    categories: ["livingAlone"],
    dueThisMonth: true,
    visitedThisMonth: false,
    lastValidVisitOn: "2026-10-03",
    daysOverdue: 0,
    latestRisk: "green",
    openFollowUps: 0,
    followUpsPastDue: 0,
    openConflicts: 0,
    unsynced: 0,
    rejected: 0,
    ...overrides,
  };
}

function refusal(code: ErrorView["code"], message: string): ErrorView {
  return { code, message };
}

export class FakeBackend implements Partial<Backend> {
  queries: RosterQuery[] = [];
  listeners: ((status: SyncStatus) => void)[] = [];
  password = "jinlin-demo";
  user: SignedInUser | null = null;
  locked = false;
  known: SignedInUser[] = [];
  stored: WindowSettings = { server: "http://127.0.0.1:8080", language: "zh-CN", textSize: "standard", lockAfterMinutes: 10 };
  lines: RosterLine[] = [line()];

  async currentUser(): Promise<SignedInUser | null> {
    return this.user;
  }

  async knownUsers(): Promise<SignedInUser[]> {
    return this.known;
  }

  async isLocked(): Promise<boolean> {
    return this.locked;
  }

  async lock(): Promise<void> {
    this.locked = true;
  }

  async unlock(password: string): Promise<SignedInUser> {
    if (password !== this.password) throw refusal("wrongPassword", "the user name or password is wrong");
    this.locked = false;
    return this.user ?? assistant;
  }

  async signOut(): Promise<void> {
    this.user = null;
    this.locked = false;
  }

  async settings(): Promise<WindowSettings> {
    return this.stored;
  }

  async saveSettings(chosen: WindowSettings): Promise<WindowSettings> {
    if (!/^https?:\/\//.test(chosen.server)) throw refusal("badSettings", `${chosen.server} is not a server address`);
    this.stored = { ...chosen, server: chosen.server.replace(/\/$/, "") };
    return this.stored;
  }

  async signIn(login: string, password: string): Promise<SignedInUser> {
    if (password !== this.password) throw refusal("wrongPassword", "the user name or password is wrong");
    this.user = { ...assistant, login };
    return this.user;
  }

  async roster(query: RosterQuery): Promise<RosterView> {
    this.queries.push(query);
    return {
      month: "2026-11",
      coverage: {
        denominator: 2,
        visited: 1,
        rate: 0.5,
        homeVisitShare: 1,
        validVisitsByMode: { home: 1, phone: 0, video: 0 },
        eldersByTier: { highRisk: 0, key: 2, general: 0 },
        overdueByTier: { highRisk: 0, key: 0, general: 0 },
      },
      lines: this.lines,
    };
  }

  async syncStatus(): Promise<SyncStatus> {
    return { state: { kind: "offline" }, pending: 2, rejected: 0, lastSuccess: null };
  }

  async onSyncStatus(listener: (status: SyncStatus) => void): Promise<() => void> {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** As the Backend the controllers take. */
  get asBackend(): Backend {
    return this as unknown as Backend;
  }
}
