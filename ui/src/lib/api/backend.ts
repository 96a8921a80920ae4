// The workstation core as the window sees it: one typed function per Tauri command
// and the sync status as a subscription. Components and controllers depend on this
// interface, never on Tauri, so tests hand them a fake.
import type {
  AlertView,
  AreaId,
  AssistantHandover,
  Command,
  CoverageView,
  ElderId,
  ElderPage,
  EnrolmentForm,
  ErrorView,
  FollowUpId,
  JsonValue,
  Language,
  MoveForm,
  ProfileEdit,
  RecordedVisit,
  RejectedChangeView,
  RosterApplied,
  RosterReading,
  ReportFormat,
  RosterQuery,
  RosterView,
  ServerCheck,
  SignIn,
  SignedInUser,
  StatusForm,
  SyncStatus,
  TierForm,
  InsuranceStepForm,
  Timestamp,
  VisitForm,
  VisitId,
  WarningView,
  WindowSettings,
} from "./types";

export interface Backend {
  signIn(login: string, password: string): Promise<SignIn>;
  signOut(): Promise<void>;
  currentUser(): Promise<SignedInUser | null>;
  knownUsers(): Promise<SignedInUser[]>;
  roster(query: RosterQuery): Promise<RosterView>;
  elder(elder: ElderId): Promise<ElderPage>;
  recordVisit(elder: ElderId, form: VisitForm): Promise<RecordedVisit>;
  correctVisit(elder: ElderId, visit: VisitId, visitedAt: Timestamp, form: VisitForm): Promise<ElderPage>;
  voidVisit(elder: ElderId, visit: VisitId, reason: string): Promise<ElderPage>;
  /** Closes a follow-up without a visit; the note says how. */
  resolveFollowUp(elder: ElderId, followUp: FollowUpId, note: string): Promise<ElderPage>;
  /** Records hospitalised, moved away, deceased or active again, from a date. */
  changeStatus(elder: ElderId, form: StatusForm): Promise<ElderPage>;
  /** Moves the record to another community of the user's scope, from a date. */
  moveElder(elder: ElderId, form: MoveForm): Promise<ElderPage>;
  /** Sets the tier by hand with a reason, or (`tier: null`) returns to the rule's. */
  setTier(elder: ElderId, form: TierForm): Promise<ElderPage>;
  moveInsuranceCase(elder: ElderId, form: InsuranceStepForm): Promise<ElderPage>;
  /** Saves the elder's visit record (探访记录表) as a PDF; answers its path. */
  printVisitRecord(elder: ElderId, language: Language): Promise<string>;
  /** Saves today's round list as a PDF; answers its path. */
  printRoundList(language: Language): Promise<string>;
  enrolElder(form: EnrolmentForm): Promise<ElderPage>;
  updateProfile(elder: ElderId, edits: ProfileEdit[]): Promise<ElderPage>;
  submitIdNumber(elder: ElderId, idNumber: string): Promise<string>;
  resolveConflict(elder: ElderId, field: string, chosen: JsonValue): Promise<ElderPage>;
  rejectedChanges(): Promise<RejectedChangeView[]>;
  syncNow(): Promise<void>;
  syncStatus(): Promise<SyncStatus>;
  settings(): Promise<WindowSettings>;
  /** Checks and saves the choices whole; a refused choice changes nothing. */
  saveSettings(chosen: WindowSettings): Promise<WindowSettings>;
  /** Tests a server address (and authority file) before it is saved; saves nothing. */
  checkServer(server: string, caCertificate: string | null): Promise<ServerCheck>;
  /** Locks the screen: sync goes on, every other command waits for `unlock`. */
  lock(): Promise<void>;
  unlock(password: string): Promise<SignedInUser>;
  isLocked(): Promise<boolean>;
  /** The coverage of the user's area in `month` (`YYYY-MM`), from the server. */
  coverage(month: string, area: string | null): Promise<CoverageView>;
  /** Saves the month's report as a file; answers where it was saved. */
  exportReport(month: string, area: string | null, format: ReportFormat, language: Language): Promise<string>;
  /** The alerts of the user's area, open first; closed ones too when `all`. */
  alerts(all: boolean): Promise<AlertView[]>;
  /** The early warnings of the user's area, open first; closed ones too when `all`. */
  warnings(all: boolean): Promise<WarningView[]>;
  /** Closes an alert with a note saying what was done. */
  closeAlert(visit: VisitId, note: string): Promise<AlertView>;
  /** What importing a roster file (its bytes as base64) would do, as the server checks it. */
  checkRosterFile(content: string): Promise<RosterReading>;
  /** Applies exactly the check whose digest is given. */
  applyRosterFile(content: string, digest: string): Promise<RosterApplied>;
  /** The assistants of the user's area, with where their changes wait to sync. */
  handover(): Promise<AssistantHandover[]>;
  /** Moves an assistant to another community of the area; answers the list again. */
  moveAssistant(login: string, community: AreaId): Promise<AssistantHandover[]>;
  /** Takes an assistant off; answers the list again. */
  takeOffAssistant(login: string): Promise<AssistantHandover[]>;
  /** Calls `listener` with every sync status change; returns how to stop. */
  onSyncStatus(listener: (status: SyncStatus) => void): Promise<() => void>;
}

/** `sign_in` → `signIn`: the name of the `Backend` method a command is called through. */
export type MethodOf<C extends string> = C extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<MethodOf<Tail>>}` : C;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * Fails to type-check unless `Backend` has one method per window command
 * (`COMMANDS` in types.ts, generated from src-tauri/src/app/command_list.rs) and no
 * other, besides the sync status subscription.
 */
export const BACKEND_HAS_EXACTLY_THE_COMMANDS: Same<Exclude<keyof Backend, "onSyncStatus">, MethodOf<Command>> = true;

/** What a failed command gives: the core's `{ code, message }`. */
export function isErrorView(value: unknown): value is ErrorView {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}
