// A Backend for tests: answers from fixed data and records what it was asked.
import type { Backend } from "./api/backend";
import type {
  AlertView,
  AssistantDay,
  AssistantHandover,
  CoverageView,
  TrendPoint,
  ElderPage,
  ErrorView,
  JsonValue,
  RecordedVisit,
  RejectedChangeView,
  ReportFormat,
  ServerCheck,
  Language,
  OfflineReason,
  RosterApplied,
  RosterLine,
  RosterReading,
  RosterQuery,
  RosterView,
  SignIn,
  SignedInUser,
  SummaryLine,
  SyncStatus,
  WarningView,
  WindowSettings,
} from "./api/types";

export const assistant: SignedInUser = {
  id: "0192f2a0-0000-7000-8000-000000000001",
  login: "c350203001001a",
  displayName: "鹭江社区助老员 a",
  role: "assistant",
  scope: { kind: "area", area: "0192f2a0-0000-7000-8000-0000000000aa" },
  communities: [],
};

export function line(overrides: Partial<RosterLine> = {}): RosterLine {
  return {
    elderId: "0192f2a0-0000-7000-8000-000000000101",
    community: "0192f2a0-0000-7000-8000-0000000000aa",
    name: "王秀英",
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
    warnings: [],
    dueThisWeek: false,
    unsynced: 0,
    rejected: 0,
    ...overrides,
  };
}

/** A summary line: `due` elders, `visited` of them, `overdue` general-tier ones. */
export function summaryLine(
  level: SummaryLine["level"],
  name: string,
  [district, street]: [string, string],
  due: number,
  visited: number,
  overdue = 0,
): SummaryLine {
  return {
    level,
    area: null,
    code: `${level ?? "city"}:${name}`,
    name,
    district,
    street,
    denominator: due,
    visited,
    rate: due === 0 ? null : visited / due,
    homeVisitShare: visited === 0 ? null : 1,
    validVisitsByMode: { home: visited, phone: 0, video: 0 },
    eldersByTier: { highRisk: 0, key: 0, general: due },
    overdueByTier: { highRisk: 0, key: 0, general: overdue },
  };
}

/** A city of two districts; 思明区 has two streets, 鹭江街道 two communities. */
export function cityCoverage(): CoverageView {
  const view: Omit<CoverageView, "trend" | "trendByArea"> = {
    month: "2026-11",
    asOf: "2026-11-29",
    area: { id: null, level: null, code: "", name: "全市" },
    summary: [
      summaryLine(null, "全市", ["", ""], 10, 6, 2),
      summaryLine("district", "思明区", ["", ""], 7, 4, 2),
      summaryLine("street", "鹭江街道", ["思明区", ""], 5, 3, 1),
      summaryLine("community", "和平社区", ["思明区", "鹭江街道"], 3, 2, 1),
      summaryLine("community", "光明社区", ["思明区", "鹭江街道"], 2, 1),
      summaryLine("street", "中华街道", ["思明区", ""], 2, 1, 1),
      summaryLine("community", "和平社区", ["思明区", "中华街道"], 2, 1, 1),
      summaryLine("district", "湖里区", ["", ""], 3, 2),
      summaryLine("street", "殿前街道", ["湖里区", ""], 3, 2),
      summaryLine("community", "幸福社区", ["湖里区", "殿前街道"], 3, 2),
    ].map((line, i) => ({ ...line, code: i === 0 ? "" : `35020${i}` })),
    notVisited: [
      {
        elderId: "0192f2a0-0000-7000-8000-000000000201",
        name: "陈阿婆",
        tier: "general",
        status: "active",
        lastValidVisitOn: "2026-09-02",
        daysSince: 88,
        daysOverdue: 28,
        assistants: "助老员甲",
        phone: "*******1234",
        address: "和平路 1 号",
        district: "思明区",
        street: "鹭江街道",
        community: "和平社区",
      },
      {
        elderId: "0192f2a0-0000-7000-8000-000000000202",
        name: "林阿公",
        tier: "general",
        status: "active",
        lastValidVisitOn: null,
        daysSince: 40,
        daysOverdue: 0,
        assistants: "助老员乙",
        phone: null,
        address: "和平巷 2 号",
        district: "思明区",
        street: "中华街道",
        community: "和平社区",
      },
    ],
  };
  const trendByArea = view.summary.map((line) => ({ code: line.code, points: twelveMonths(line.denominator, line.visited) }));
  return { ...view, trend: trendByArea[0]?.points ?? [], trendByArea };
}

/** Twelve months ending November 2026: the rate climbing to `visited` of `due` in the last. */
function twelveMonths(due: number, visited: number): TrendPoint[] {
  return Array.from({ length: 12 }, (_, i) => {
    const month = i === 0 ? "2025-12" : `2026-${String(i).padStart(2, "0")}`;
    const seen = i === 11 ? visited : Math.min(due, Math.round((due * (6 + (i % 5))) / 10));
    return { month, denominator: due, visited: seen, rate: due === 0 ? null : seen / due };
  });
}

export function alert(overrides: Partial<AlertView> = {}): AlertView {
  return {
    visitId: "0192f2a0-0000-7000-8000-000000000301",
    elderId: "0192f2a0-0000-7000-8000-000000000201",
    elderName: "陈阿婆",
    street: "鹭江街道",
    community: "和平社区",
    raisedAt: Date.parse("2026-11-28T02:00:00Z"),
    receivedAt: Date.parse("2026-11-28T02:05:00Z"),
    redRisk: true,
    incident: "fall",
    assistant: "助老员甲",
    closed: null,
    ...overrides,
  };
}

function refusal(code: ErrorView["code"], message: string): ErrorView {
  return { code, message, refusal: null, zh: null };
}

/** The fake holds no elder documents: every elder is unknown to it. */
function noSuchElder(elder: string): ErrorView {
  return refusal("unknownElder", `no elder ${elder} on this workstation`);
}

export class FakeBackend implements Backend {
  queries: RosterQuery[] = [];
  listeners: ((status: SyncStatus) => void)[] = [];
  password = "jinlin-demo";
  user: SignedInUser | null = null;
  locked = false;
  known: SignedInUser[] = [];
  stored: WindowSettings = { server: "http://127.0.0.1:8080", caCertificate: null, language: "zh-CN", textSize: "standard", lockAfterMinutes: 10, firstRun: false };
  lines: RosterLine[] = [line()];
  day: AssistantDay = { dueThisWeek: 0, overdue: 0, followUpsDue: 0 };
  coverageView: CoverageView = cityCoverage();
  open: AlertView[] = [alert()];
  offline = false;
  exports: { month: string; area: string | null; format: ReportFormat; language: Language }[] = [];
  closes: { visit: string; note: string }[] = [];
  warningList: WarningView[] = [];

  async coverage(month: string): Promise<CoverageView> {
    if (this.offline) throw refusal("offline", "this needs the server, which cannot be reached now");
    return { ...this.coverageView, month };
  }

  async warnings(all: boolean): Promise<WarningView[]> {
    if (this.offline) throw refusal("offline", "this needs the server, which cannot be reached now");
    return all ? this.warningList : this.warningList.filter((w) => w.closed === null);
  }

  async alerts(all: boolean): Promise<AlertView[]> {
    if (this.offline) throw refusal("offline", "this needs the server, which cannot be reached now");
    return all ? this.open : this.open.filter((a) => a.closed === null);
  }

  async closeAlert(visit: string, note: string): Promise<AlertView> {
    if (note.trim() === "") throw refusal("invalid", "alert.note must not be blank");
    this.closes.push({ visit, note });
    const closed: AlertView = {
      ...this.open.find((a) => a.visitId === visit)!,
      closed: { how: "supervisorNote", at: Date.parse("2026-11-29T01:00:00Z"), by: "督导", note },
    };
    this.open = this.open.map((a) => (a.visitId === visit ? closed : a));
    return closed;
  }

  async exportReport(month: string, area: string | null, format: ReportFormat, language: Language): Promise<string> {
    this.exports.push({ month, area, format, language });
    return `/home/supervisor/Downloads/jinlin-${month}-${area ?? "city"}.${format}`;
  }

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
    // As the core: plain HTTP only to this computer.
    if (/^http:\/\//.test(chosen.server) && !/^http:\/\/(127\.|localhost|\[::1\])/.test(chosen.server)) {
      throw refusal("plainHttp", `${chosen.server} is plain HTTP to another computer`);
    }
    this.stored = { ...chosen, server: chosen.server.replace(/\/$/, ""), firstRun: false };
    return this.stored;
  }

  /** What testing a server address finds, as the core would say it. */
  async checkServer(server: string, caCertificate: string | null): Promise<ServerCheck> {
    if (!/^https?:\/\/[^/]+\/?$/.test(server)) throw refusal("badSettings", `${server} is not a server address`);
    if (/^http:\/\//.test(server) && !/^http:\/\/(127\.|localhost|\[::1\])/.test(server)) {
      throw refusal("plainHttp", `${server} is plain HTTP to another computer`);
    }
    if (server.includes("unreachable")) throw refusal("offline", "the server cannot be reached");
    if (server.includes("untrusted") && caCertificate === null) throw refusal("untrustedServer", "the certificate is not trusted");
    return { server: server.replace(/\/$/, ""), serverVersion: "0.1.0", app: { kind: "upToDate" } };
  }

  /** Why the next sign-in happens offline (the server busy, say); none by default. */
  offlineReason: OfflineReason | null = null;

  async signIn(login: string, password: string): Promise<SignIn> {
    if (password !== this.password) throw refusal("wrongPassword", "the user name or password is wrong");
    this.user = { ...assistant, login };
    return { user: this.user, offline: this.offlineReason };
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
      day: this.day,
      lines: this.lines,
    };
  }

  async syncStatus(): Promise<SyncStatus> {
    return { state: { kind: "offline" }, pending: 2, rejected: 0, lastSuccess: null, app: { kind: "upToDate" } };
  }

  async onSyncStatus(listener: (status: SyncStatus) => void): Promise<() => void> {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** How many times the window asked for a sync now. */
  syncRequests = 0;

  async syncNow(): Promise<void> {
    this.syncRequests += 1;
  }

  async rejectedChanges(): Promise<RejectedChangeView[]> {
    return [];
  }

  async elder(elder: string): Promise<ElderPage> {
    throw noSuchElder(elder);
  }

  async recordVisit(elder: string): Promise<RecordedVisit> {
    throw noSuchElder(elder);
  }

  async correctVisit(elder: string): Promise<ElderPage> {
    throw noSuchElder(elder);
  }

  async voidVisit(elder: string): Promise<ElderPage> {
    throw noSuchElder(elder);
  }

  async resolveFollowUp(elder: string): Promise<ElderPage> {
    throw noSuchElder(elder);
  }

  async changeStatus(elder: string): Promise<ElderPage> {
    throw noSuchElder(elder);
  }

  async moveElder(elder: string): Promise<ElderPage> {
    throw noSuchElder(elder);
  }

  async setTier(elder: string): Promise<ElderPage> {
    throw noSuchElder(elder);
  }

  async moveInsuranceCase(elder: string): Promise<ElderPage> {
    throw noSuchElder(elder);
  }

  async printVisitRecord(elder: string): Promise<string> {
    throw noSuchElder(elder);
  }

  /** Where the fake says the round list went. */
  printedTo = "/home/assistant/Downloads/探访名单-2026-11-29.pdf";

  async printRoundList(): Promise<string> {
    return this.printedTo;
  }

  async handover(): Promise<AssistantHandover[]> {
    return [];
  }

  async moveAssistant(_login: string, _community: string): Promise<AssistantHandover[]> {
    throw refusal("serverRefused", "the fake moves no one");
  }

  async takeOffAssistant(_login: string): Promise<AssistantHandover[]> {
    throw refusal("serverRefused", "the fake takes no one off");
  }

  async checkRosterFile(_content: string): Promise<RosterReading> {
    return { kind: "refused", zh: "假后端不读名册文件。", en: "The fake reads no roster files." };
  }

  async applyRosterFile(_content: string, _digest: string): Promise<RosterApplied> {
    throw refusal("serverRefused", "the fake applies no roster files");
  }

  async enrolElder(): Promise<ElderPage> {
    throw refusal("outOfScope", "the fake enrols no one");
  }

  async updateProfile(elder: string): Promise<ElderPage> {
    throw noSuchElder(elder);
  }

  async submitIdNumber(elder: string): Promise<string> {
    throw noSuchElder(elder);
  }

  async resolveConflict(elder: string, _field: string, _chosen: JsonValue): Promise<ElderPage> {
    throw noSuchElder(elder);
  }

  /** As the Backend the controllers take. */
  get asBackend(): Backend {
    return this;
  }
}
