// Generated from the Rust types by `src-tauri/src/typescript.rs`; do not edit.
// Regenerate: JINLIN_BLESS_TYPES=1 cargo test -p jinlin-desktop --test typescript

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type ElderId = string;

export type VisitId = string;

export type FollowUpId = string;

export type ContactId = string;

export type EntryId = string;

export type UserId = string;

export type DeviceId = string;

export type AreaId = string;

export type Timestamp = number;

export type Month = string;

export type Gender = "female" | "male";

export type LivingArrangement = "alone" | "spouseOnly" | "withFamily" | "withCarer" | "other";

export type HardshipCategory = "livingAlone" | "emptyNest" | "leftBehind" | "disabled" | "cognitivelyImpaired" | "severelyDisabled" | "specialFamilyPlanning" | "minimumLivingAllowance" | "extremePoverty" | "advancedAge";

export type SeriousCondition = "dementia" | "severeHypertension" | "heartDisease";

export type CareTier = "highRisk" | "key" | "general";

export type ElderStatus = "active" | "hospitalised" | "movedAway" | "deceased";

export type VisitMode = "home" | "phone" | "video";

export type VisitOutcome = "metElder" | "metFamilyOnly" | "notAtHome" | "refused" | "inHospital" | "movedAway" | "deceased";

export type CheckArea = "health" | "economic" | "family" | "safety" | "serviceNeeds";

export type CheckState = "notChecked" | "good" | "concern" | "serious";

export type RiskLevel = "green" | "yellow" | "red";

export type Referral = "communityHealthCentre" | "dayCareCentre" | "homeCareStation" | "socialWorker" | "policeOrEmergency" | "other";

export type IncidentKind = "fall" | "injury" | "hospitalStay";

export type Role = "assistant" | "supervisor" | "admin";

export type Operation = "enrol" | "editProfile" | "recordVisit" | "correctVisit" | "voidOwnVisit" | "voidAnyVisit" | "addFollowUp" | "closeFollowUp" | "changeStatus" | "moveElder" | "moveInsuranceCase" | "setTier" | "resolveProfileConflict" | "resolveAnyConflict" | "closeAlert" | "unmaskedExport" | "importRoster" | "handOver" | "eraseIdentity";

export type Scope = { "kind": "city" } | { "kind": "area", "area": AreaId };

export type NamedCommunity = { id: AreaId, name: string, };

export type Author = { user: UserId, device: DeviceId, };

export type SignedInUser = { id: UserId, login: string, displayName: string, role: Role, scope: Scope, 
/**
 * The communities of the scope, by name: the workstation checks a move against
 * them offline and the window offers them. (Empty from a server before this
 * field, and in key slots saved before it: the next online sign-in fills it.)
 */
communities: Array<NamedCommunity>, };

export type Profile = { name: string, gender: Gender, birthDate: string, idNumberMasked: string | null, phone: string | null, address: string, livingArrangement: LivingArrangement, categories: Partial<Record<HardshipCategory, true>>, conditions: Partial<Record<SeriousCondition, true>>, 
/**
 * Cannot speak for themselves: a visit that met only family then counts.
 */
unableToCommunicate: boolean, emergencyContacts: { [key in ContactId]: EmergencyContact }, 
/**
 * Free notes, kept as collaborative text because several people edit them.
 */
notes: string, };

export type EmergencyContact = { name: string, relation: string, phone: string, };

export type StatusChange = { status: ElderStatus, effectiveOn: string, note: string, recordedAt: Timestamp, recordedBy: Author, };

export type Placement = { community: AreaId, effectiveOn: string, recordedAt: Timestamp, recordedBy: Author, };

export type TierOverride = { tier: CareTier, reason: string, setAt: Timestamp, setBy: Author, };

export type Check = { state: CheckState, note: string, };

export type Checks = { health: CheckState, healthNote: string, economic: CheckState, economicNote: string, family: CheckState, familyNote: string, safety: CheckState, safetyNote: string, serviceNeeds: CheckState, serviceNeedsNote: string, };

export type Incident = { kind: IncidentKind, note: string, };

export type VisitVoid = { reason: string, at: Timestamp, by: Author, };

export type VisitRecord = { mode: VisitMode, outcome: VisitOutcome, checks: Checks, risk: RiskLevel, 
/**
 * Referral kind → a note (for `Other`, what it was).
 */
referrals: { [key in Referral]?: string }, incident: Incident | null, notes: string, };

export type Visit = { assistant: UserId, device: DeviceId, 
/**
 * When the visit took place (entered by the assistant).
 */
visitedAt: Timestamp, 
/**
 * When the workstation recorded it (its clock); the server adds when it arrived.
 */
recordedAt: Timestamp, 
/**
 * Absent until the visit is voided (a visit is never un-voided).
 */
void?: VisitVoid | null, mode: VisitMode, outcome: VisitOutcome, checks: Checks, risk: RiskLevel, 
/**
 * Referral kind → a note (for `Other`, what it was).
 */
referrals: { [key in Referral]?: string }, incident: Incident | null, notes: string, };

export type FollowUpResolution = { at: Timestamp, by: Author, visit: VisitId | null, note: string, };

export type FollowUp = { originVisit: VisitId | null, action: string, dueAt: Timestamp, createdAt: Timestamp, createdBy: Author, resolution: FollowUpResolution | null, };

export type Conflict = { path: Array<string>, values: Array<ConflictValue>, };

export type ConflictValue = { value: JsonValue, 
/**
 * Who wrote it; `None` only for changes that carry no author (refused by validation).
 */
author: Author | null, 
/**
 * When its change was made, by the author's clock.
 */
at: Timestamp, 
/**
 * The value every replica shows until someone resolves the conflict.
 */
winner: boolean, };

export type CaseState = "lead" | "reported" | "paid" | "declined";

export type CaseStep = { "step": "reported", reportedOn: string, claimNumber: string, } | { "step": "paid", paidOn: string, amountFen: number, } | { "step": "declined", reason: string, };

export type InsuranceStep = { 
/**
 * The incident visit that opened the case.
 */
visit: VisitId, recordedAt: Timestamp, recordedBy: Author, } & ({ "step": "reported", reportedOn: string, claimNumber: string, } | { "step": "paid", paidOn: string, amountFen: number, } | { "step": "declined", reason: string, });

export type InsuranceCase = { elderId: ElderId, 
/**
 * The incident visit: the case's id.
 */
visitId: VisitId, kind: IncidentKind, 
/**
 * When the visit that recorded the incident took place.
 */
incidentAt: Timestamp, state: CaseState, reportedOn: string | null, claimNumber: string | null, paidOn: string | null, amountFen: number | null, declinedReason: string | null, 
/**
 * In the order they were recorded.
 */
steps: Array<InsuranceStep>, };

export type ElderRow = { elderId: ElderId, 
/**
 * The community holding the record now.
 */
community: AreaId, enrolledOn: string, profile: Profile, 
/**
 * The latest status by effective date.
 */
status: ElderStatus, 
/**
 * Oldest first, by effective date then entry id.
 */
statusHistory: Array<StatusChange>, 
/**
 * Oldest first, by effective date then entry id.
 */
placements: Array<Placement>, tierOverride: TierOverride | null, };

export type VisitRow = { elderId: ElderId, visitId: VisitId, assistant: UserId, device: DeviceId, 
/**
 * When the visit took place (entered by the assistant).
 */
visitedAt: Timestamp, 
/**
 * When the workstation recorded it (its clock); the server adds when it arrived.
 */
recordedAt: Timestamp, 
/**
 * Absent until the visit is voided (a visit is never un-voided).
 */
void?: VisitVoid | null, mode: VisitMode, outcome: VisitOutcome, checks: Checks, risk: RiskLevel, 
/**
 * Referral kind → a note (for `Other`, what it was).
 */
referrals: { [key in Referral]?: string }, incident: Incident | null, notes: string, };

export type FollowUpRow = { elderId: ElderId, followUpId: FollowUpId, originVisit: VisitId | null, action: string, dueAt: Timestamp, createdAt: Timestamp, createdBy: Author, resolution: FollowUpResolution | null, };

export type ConflictRow = { elderId: ElderId, 
/**
 * Dotted field path, e.g. `profile.phone`.
 */
field: string, path: Array<string>, values: Array<ConflictValue>, };

export type ElderRows = { elder: ElderRow, 
/**
 * By visit time, then id.
 */
visits: Array<VisitRow>, 
/**
 * By due time, then id.
 */
followUps: Array<FollowUpRow>, 
/**
 * By field path.
 */
conflicts: Array<ConflictRow>, 
/**
 * One per visit recording an incident (not voided), by incident time.
 */
insuranceCases: Array<InsuranceCase>, };

export type RosterFilter = { "kind": "all" } | { "kind": "dueThisMonth" } | { "kind": "overdue" } | { "kind": "dueThisWeek" } | { "kind": "followUpsDue" } | { "kind": "visitedThisMonth" } | { "kind": "tier", "value": CareTier } | { "kind": "category", "value": HardshipCategory } | { "kind": "risk", "value": RiskLevel } | { "kind": "openConflicts" } | { "kind": "openFollowUps" };

export type RosterQuery = { filters: Array<RosterFilter>, search: string, };

export type RosterEntry = { elderId: ElderId, community: AreaId, name: string, gender: Gender, age: number, status: ElderStatus, tier: CareTier, categories: Array<HardshipCategory>, 
/**
 * In this month's denominator and not yet visited validly.
 */
dueThisMonth: boolean, visitedThisMonth: boolean, lastValidVisitOn: string | null, 
/**
 * Days beyond the tier's interval (0: not overdue).
 */
daysOverdue: number, 
/**
 * The risk found at the latest visit that was not voided.
 */
latestRisk: RiskLevel | null, openFollowUps: number, 
/**
 * Open follow-ups whose due time has passed.
 */
followUpsPastDue: number, openConflicts: number, 
/**
 * The early warnings open now, as the server derives them (`warning`).
 */
warnings: Array<WarningReason>, 
/**
 * Not overdue now, but a visit falls due within the week: an unvisited or
 * high-risk warning would open by this time next week if nobody visits.
 */
dueThisWeek: boolean, };

export type AssistantDay = { 
/**
 * Elders whose visit falls due within the week.
 */
dueThisWeek: number, 
/**
 * Elders warned as not visited this month or past the high-risk interval.
 */
overdue: number, 
/**
 * Elders with a follow-up past its due time.
 */
followUpsDue: number, };

export type ModeCounts = { home: number, phone: number, video: number, };

export type TierCounts = { highRisk: number, key: number, general: number, };

export type CoverageTotals = { 
/**
 * Special-hardship elders active at some time during the month.
 */
denominator: number, 
/**
 * Of those, the elders with at least one valid visit in the month.
 */
visited: number, 
/**
 * `visited / denominator`.
 */
rate: number | null, 
/**
 * Valid home visits over all valid visits in the month.
 */
homeVisitShare: number | null, validVisitsByMode: ModeCounts, eldersByTier: TierCounts, overdueByTier: TierCounts, };

export type OfflineReason = "unreachable" | "throttled" | "busy";

export type SignIn = { user: SignedInUser, 
/**
 * Why the workstation signed the user in by itself; `None` when the server did.
 */
offline: OfflineReason | null, };

export type RosterLine = { 
/**
 * Changes saved here and not yet acknowledged by the server.
 */
unsynced: number, 
/**
 * Changes the server refused, kept to show.
 */
rejected: number, elderId: ElderId, community: AreaId, name: string, gender: Gender, age: number, status: ElderStatus, tier: CareTier, categories: Array<HardshipCategory>, 
/**
 * In this month's denominator and not yet visited validly.
 */
dueThisMonth: boolean, visitedThisMonth: boolean, lastValidVisitOn: string | null, 
/**
 * Days beyond the tier's interval (0: not overdue).
 */
daysOverdue: number, 
/**
 * The risk found at the latest visit that was not voided.
 */
latestRisk: RiskLevel | null, openFollowUps: number, 
/**
 * Open follow-ups whose due time has passed.
 */
followUpsPastDue: number, openConflicts: number, 
/**
 * The early warnings open now, as the server derives them (`warning`).
 */
warnings: Array<WarningReason>, 
/**
 * Not overdue now, but a visit falls due within the week: an unvisited or
 * high-risk warning would open by this time next week if nobody visits.
 */
dueThisWeek: boolean, };

export type RosterView = { month: Month, coverage: CoverageTotals, 
/**
 * The assistant's day over the whole roster, whatever the filter.
 */
day: AssistantDay, lines: Array<RosterLine>, };

export type RejectedChangeView = { elderId: ElderId, hash: string, 
/**
 * Why, in the window's words (`REJECT_CODE_LABELS`).
 */
code: RejectCode, 
/**
 * The field at fault (a dotted path), when the refusal names one.
 */
field: string | null, 
/**
 * The server's own sentence, in English: for the English screen and the log.
 */
reason: string, savedAt: Timestamp, rejectedAt: Timestamp, };

export type Permitted = { operations: Array<Operation>, 
/**
 * Visits (not voided yet) the user may void.
 */
voidable: Array<VisitId>, 
/**
 * Dotted fields in conflict the user may resolve.
 */
resolvable: Array<string>, };

export type VisitRules = { 
/**
 * How far past this computer's clock a visit's time may lie.
 */
clockSkewMinutes: number, 
/**
 * A red-risk visit's follow-up is due within this many hours of the visit.
 */
redRiskFollowUpHours: number, };

export type ElderPage = { entry: RosterEntry, rows: ElderRows, 
/**
 * The phone as the page shows it: masked but for its last four digits (DOMAIN.md,
 * Privacy). The full number stays in `rows` for the call button.
 */
phoneMasked: string | null, 
/**
 * The competing values of private fields (phones) as the page shows them,
 * masked, by dotted field and in the order of that conflict's values. Other
 * fields show as written; the full values stay in `rows` to choose from.
 */
maskedConflicts: { [key in string]: Array<string> }, unsynced: number, rejected: Array<RejectedChangeView>, 
/**
 * What the signed-in user may do here (the role table).
 */
permitted: Permitted, 
/**
 * The policy's numbers the visit form checks as the assistant types.
 */
visitRules: VisitRules, 
/**
 * The communities of the user's scope by name: where the record may move to
 * (all but its own), and the names of the places in its history.
 */
communities: Array<NamedCommunity>, };

export type FieldLimits = { 
/**
 * An elder's or an emergency contact's name.
 */
name: number, address: number, phone: number, 
/**
 * How an emergency contact is related to the elder ("儿子").
 */
relation: number, 
/**
 * A visit's free notes.
 */
visitNotes: number, 
/**
 * The note of one checked area of a visit.
 */
checkNote: number, 
/**
 * The profile's shared notes (collaborative text).
 */
profileNotes: number, 
/**
 * Reasons, actions and short notes: voiding a visit, setting a tier, a
 * follow-up's action and its closing note, a status change, a referral, an
 * incident, closing an alert, declining an insurance claim.
 */
reason: number, 
/**
 * An insurance claim's number, as the insurer gives it.
 */
claimNumber: number, 
/**
 * The most one insurance claim pays, in yuan.
 */
claimYuan: number, };

export type VisitForm = { 
/**
 * When the visit took place; now when left out.
 */
visitedAt: Timestamp | null, 
/**
 * Required for a red-risk visit (the shared rules say by when).
 */
followUp: FollowUpForm | null, 
/**
 * Open follow-ups this visit completes: closed with it, in the same save.
 */
completes: Array<FollowUpId>, mode: VisitMode, outcome: VisitOutcome, checks: Checks, risk: RiskLevel, 
/**
 * Referral kind → a note (for `Other`, what it was).
 */
referrals: { [key in Referral]?: string }, incident: Incident | null, notes: string, };

export type FollowUpForm = { action: string, dueAt: Timestamp, };

export type EnrolmentForm = { community: AreaId, 
/**
 * Today when left out.
 */
enrolledOn: string | null, profile: Profile, };

export type ProfileEdit = { "field": "name", "value": string } | { "field": "gender", "value": Gender } | { "field": "birthDate", "value": string } | { "field": "phone", "value": string | null } | { "field": "address", "value": string } | { "field": "livingArrangement", "value": LivingArrangement } | { "field": "categories", "value": Array<HardshipCategory> } | { "field": "conditions", "value": Array<SeriousCondition> } | { "field": "unableToCommunicate", "value": boolean } | { "field": "setContact", "value": { id: ContactId | null, contact: EmergencyContact, } } | { "field": "removeContact", "value": ContactId } | { "field": "notes", "value": string };

export type StatusForm = { status: ElderStatus, effectiveOn: string, note: string, };

export type MoveForm = { community: AreaId, effectiveOn: string, };

export type TierForm = { tier: CareTier | null, reason: string, };

export type InsuranceStepForm = { visit: VisitId, step: CaseStep, };

export type RecordedVisit = { visit: VisitId, page: ElderPage, };

export type AreaLevel = "district" | "street" | "community";

export type ReportArea = { id: AreaId | null, level: AreaLevel | null, code: string, name: string, };

export type SummaryLine = { level: AreaLevel | null, area: AreaId | null, code: string, name: string, 
/**
 * The names of the district and street it lies in (empty above those levels).
 */
district: string, street: string, 
/**
 * Special-hardship elders active at some time during the month.
 */
denominator: number, 
/**
 * Of those, the elders with at least one valid visit in the month.
 */
visited: number, 
/**
 * `visited / denominator`.
 */
rate: number | null, 
/**
 * Valid home visits over all valid visits in the month.
 */
homeVisitShare: number | null, validVisitsByMode: ModeCounts, eldersByTier: TierCounts, overdueByTier: TierCounts, };

export type Place = { district: string, street: string, community: string, };

export type NotVisitedLine = { elderId: ElderId, name: string, tier: CareTier, status: ElderStatus | null, lastValidVisitOn: string | null, 
/**
 * Days since the last valid visit (or, never visited, since enrolment).
 */
daysSince: number, daysOverdue: number, 
/**
 * The community's assistants.
 */
assistants: string, phone: string | null, address: string, district: string, street: string, community: string, };

export type TrendPoint = { month: Month, denominator: number, visited: number, rate: number | null, };

export type AreaTrend = { code: string, 
/**
 * Oldest month first, ending with the report's month.
 */
points: Array<TrendPoint>, };

export type CoverageView = { month: Month, asOf: string, area: ReportArea, summary: Array<SummaryLine>, notVisited: Array<NotVisitedLine>, trend: Array<TrendPoint>, 
/**
 * The twelve months of each line of `summary`, by its code.
 */
trendByArea: Array<AreaTrend>, };

export type ReportFormat = "json" | "csv" | "xlsx" | "pdf";

export type AlertClosure = "followUpDone" | "laterVisit" | "voided" | "corrected" | "supervisorNote";

export type AlertClosed = { how: AlertClosure, at: Timestamp, by: string | null, note: string | null, };

export type AlertView = { visitId: VisitId, elderId: ElderId, elderName: string, street: string, community: string, 
/**
 * When the visit took place.
 */
raisedAt: Timestamp, 
/**
 * When the server received it: the alert's own start.
 */
receivedAt: Timestamp, redRisk: boolean, incident: IncidentKind | null, 
/**
 * Who recorded the visit.
 */
assistant: string, closed: AlertClosed | null, };

export type WarningReason = "unvisited" | "highRiskOverdue" | "followUpOverdue";

export type WarningLevel = "street" | "district";

export type WarningClosure = "visited" | "followUpResolved" | "leftRoster" | "noLongerDue";

export type WarningClosed = { how: WarningClosure, at: Timestamp, };

export type WarningView = { elderId: ElderId, elderName: string, street: string, community: string, reason: WarningReason, since: Timestamp, escalatesAt: Timestamp, 
/**
 * Now, or when it closed.
 */
level: WarningLevel, 
/**
 * When the server opened it.
 */
openedAt: Timestamp, closed: WarningClosed | null, };

export type RosterColumn = "community" | "name" | "gender" | "birthDate" | "idNumber" | "phone" | "address" | "livingArrangement" | "categories" | "conditions" | "unableToCommunicate" | "enrolledOn";

export type HeaderReading = { 
/**
 * The header's line in the file (1-based).
 */
line: number, 
/**
 * Each header as written, with the column it was taken for (none: ignored).
 */
columns: Array<[string, RosterColumn | null]>, };

export type Problem = { "kind": "missing" } | { "kind": "tooLong", limit: number, } | { "kind": "badCharacter", code: number, } | { "kind": "malformedIdNumber", reason: string, } | { "kind": "badCheckDigit", expected: string, found: string, } | { "kind": "notADate", text: string, } | { "kind": "dateOutOfRange", date: string, earliest: string, latest: string, } | { "kind": "disagreesWithIdNumber", fromIdNumber: string, } | { "kind": "unknownCommunity", text: string, } | { "kind": "ambiguousCommunity", text: string, } | { "kind": "communityOutOfScope", text: string, } | { "kind": "unknownValue", text: string, } | { "kind": "repeatedInFile", firstLine: number, } | { "kind": "ambiguousMatch", elders: number, } | { "kind": "bornAfterEnrolment" };

export type RowProblem = { line: number, column: RosterColumn | null, problem: Problem, 
/**
 * The sentence in Chinese, then in English, for screens and the command line.
 */
zh: string, en: string, };

export type NewElderLine = { line: number, name: string, community: AreaId, birthDate: string, idNumberMasked: string | null, };

export type FieldChange = { column: RosterColumn, old: string, new: string, };

export type UpdateLine = { line: number, elderId: ElderId, name: string, changes: Array<FieldChange>, };

export type MissingLine = { elderId: ElderId, name: string, community: AreaId, status: ElderStatus, };

export type RosterCheck = { header: HeaderReading, 
/**
 * Rows read below the header (blank rows not counted).
 */
rows: number, enrol: Array<NewElderLine>, update: Array<UpdateLine>, 
/**
 * Rows that match an elder and change nothing.
 */
unchanged: number, missing: Array<MissingLine>, problems: Array<RowProblem>, 
/**
 * Names the writes exactly: applying must give it back.
 */
digest: string, };

export type RosterReading = { "kind": "checked", check: RosterCheck, } | { "kind": "refused", zh: string, en: string, };

export type RefusedRow = { line: number, reason: string, };

export type RosterApplied = { enrolled: number, updated: number, refused: Array<RefusedRow>, };

export type WaitingOnWorkstation = { 
/**
 * The name the workstation registered under (its computer's name).
 */
workstation: string, changes: number, reportedAt: Timestamp, };

export type AssistantHandover = { user: UserId, login: string, displayName: string, community: NamedCommunity, 
/**
 * Taken off: may no longer sign in.
 */
disabled: boolean, 
/**
 * Where their changes wait to sync, as each workstation last said, most first.
 */
waiting: Array<WaitingOnWorkstation>, };

export type Language = "zh-CN" | "en";

export type TextSize = "standard" | "large" | "extraLarge";

export type WindowSettings = { server: string, 
/**
 * The certificate authority file, or `None` for the platform's roots alone.
 */
caCertificate: string | null, language: Language, textSize: TextSize, lockAfterMinutes: number, 
/**
 * The window asks for the server first (`DesktopSettings::first_run`); the core
 * decides it, whatever the window sends back.
 */
firstRun: boolean, };

export type ServerCheck = { 
/**
 * The address as it will be saved (trimmed, no trailing slash).
 */
server: string, 
/**
 * The server's build, for a support call.
 */
serverVersion: string, 
/**
 * How this app stands against the city's releases.
 */
app: AppStanding, };

export type SyncState = { "kind": "signedOut" } | { "kind": "offline" } | { "kind": "syncing" } | { "kind": "upToDate" } | { "kind": "error", code: SyncErrorCode, message: string, };

export type SyncErrorCode = "sessionExpired" | "deviceRevoked" | "appTooOld" | "serverRefused" | "untrustedServer" | "storage" | "internal";

export type AppStanding = { "kind": "upToDate" } | { "kind": "updateAvailable", version: string, download: string | null, } | { "kind": "tooOld", minimum: string, download: string | null, };

export type SyncStatus = { state: SyncState, 
/**
 * Changes saved here and not yet acknowledged by the server.
 */
pending: number, 
/**
 * Changes the server refused, kept to show.
 */
rejected: number, lastSuccess: Timestamp | null, 
/**
 * How this app stands against the city's releases, as the server last said.
 */
app: AppStanding, };

export type StationErrorCode = "signedOut" | "locked" | "wrongPassword" | "firstSignInNeedsServer" | "offline" | "sessionExpired" | "deviceRevoked" | "unknownElder" | "outOfScope" | "invalid" | "notPermitted" | "plainHttp" | "untrustedServer" | "appTooOld" | "serverRefused" | "badSettings" | "saveFailed" | "printFailed" | "storage" | "internal";

export type RejectCode = "undecodable" | "missingDependencies" | "missingAuthor" | "schema" | "unsupportedSchemaVersion" | "invalidField" | "visitInFuture" | "voidedVisitEdited" | "elderChanged" | "outOfScope" | "tooLarge" | "wrongAuthor" | "notPermitted" | "fullIdNumber" | "unknownField" | "idInUse" | "unstorable";

export type RefusalView = { code: RejectCode, field: string | null, };

export type ErrorView = { code: StationErrorCode, message: string, 
/**
 * Which rule refused the edit and the field at fault, when a rule did.
 */
refusal: RefusalView | null, 
/**
 * The sentence in Chinese, where the core has one: a person's input an
 * operation refused (a date before the enrolment, a blank reason …).
 */
zh: string | null, };

/** A closed set's value in both languages. */
export type Label = { "zh-CN": string, en: string };

export const GENDER_LABELS: Record<Gender, Label> = {
  "female": { "zh-CN": "女", en: "Female" },
  "male": { "zh-CN": "男", en: "Male" },
};

export const LIVING_ARRANGEMENT_LABELS: Record<LivingArrangement, Label> = {
  "alone": { "zh-CN": "独自居住", en: "Alone" },
  "spouseOnly": { "zh-CN": "仅与配偶同住", en: "With spouse only" },
  "withFamily": { "zh-CN": "与子女或亲属同住", en: "With children or relatives" },
  "withCarer": { "zh-CN": "与护理人员同住", en: "With a carer" },
  "other": { "zh-CN": "其他", en: "Other" },
};

export const HARDSHIP_CATEGORY_LABELS: Record<HardshipCategory, Label> = {
  "livingAlone": { "zh-CN": "独居", en: "Living alone" },
  "emptyNest": { "zh-CN": "空巢", en: "Empty-nest" },
  "leftBehind": { "zh-CN": "留守", en: "Left-behind" },
  "disabled": { "zh-CN": "失能", en: "Disabled" },
  "cognitivelyImpaired": { "zh-CN": "失智", en: "Cognitively impaired" },
  "severelyDisabled": { "zh-CN": "重残", en: "Severely disabled" },
  "specialFamilyPlanning": { "zh-CN": "计划生育特殊家庭", en: "Special family-planning family" },
  "minimumLivingAllowance": { "zh-CN": "低保", en: "Minimum living allowance" },
  "extremePoverty": { "zh-CN": "特困（分散供养）", en: "Extreme poverty (dispersed support)" },
  "advancedAge": { "zh-CN": "高龄", en: "Advanced age (80+)" },
};

export const SERIOUS_CONDITION_LABELS: Record<SeriousCondition, Label> = {
  "dementia": { "zh-CN": "认知症", en: "Dementia" },
  "severeHypertension": { "zh-CN": "重度高血压", en: "Severe hypertension" },
  "heartDisease": { "zh-CN": "心脏病", en: "Heart disease" },
};

export const CARE_TIER_LABELS: Record<CareTier, Label> = {
  "highRisk": { "zh-CN": "高风险", en: "High risk" },
  "key": { "zh-CN": "重点", en: "Key" },
  "general": { "zh-CN": "一般", en: "General" },
};

export const ELDER_STATUS_LABELS: Record<ElderStatus, Label> = {
  "active": { "zh-CN": "在册", en: "Active" },
  "hospitalised": { "zh-CN": "住院", en: "Hospitalised" },
  "movedAway": { "zh-CN": "已迁出", en: "Moved away" },
  "deceased": { "zh-CN": "已故", en: "Deceased" },
};

export const VISIT_MODE_LABELS: Record<VisitMode, Label> = {
  "home": { "zh-CN": "上门", en: "Home visit" },
  "phone": { "zh-CN": "电话", en: "Phone" },
  "video": { "zh-CN": "视频", en: "Video" },
};

export const VISIT_OUTCOME_LABELS: Record<VisitOutcome, Label> = {
  "metElder": { "zh-CN": "见到本人", en: "Met the elder" },
  "metFamilyOnly": { "zh-CN": "仅见家属", en: "Met family only" },
  "notAtHome": { "zh-CN": "未在家", en: "Not at home" },
  "refused": { "zh-CN": "拒绝探访", en: "Refused" },
  "inHospital": { "zh-CN": "住院", en: "In hospital" },
  "movedAway": { "zh-CN": "已迁出", en: "Moved away" },
  "deceased": { "zh-CN": "已故", en: "Deceased" },
};

export const CHECK_AREA_LABELS: Record<CheckArea, Label> = {
  "health": { "zh-CN": "身体状况", en: "Health" },
  "economic": { "zh-CN": "经济状况", en: "Economic" },
  "family": { "zh-CN": "家庭赡养", en: "Family support" },
  "safety": { "zh-CN": "居家安全", en: "Home safety" },
  "serviceNeeds": { "zh-CN": "服务需求", en: "Service needs" },
};

export const CHECK_STATE_LABELS: Record<CheckState, Label> = {
  "notChecked": { "zh-CN": "未检查", en: "Not checked" },
  "good": { "zh-CN": "良好", en: "Good" },
  "concern": { "zh-CN": "需关注", en: "Needs attention" },
  "serious": { "zh-CN": "严重", en: "Serious" },
};

export const RISK_LEVEL_LABELS: Record<RiskLevel, Label> = {
  "green": { "zh-CN": "绿色", en: "Green" },
  "yellow": { "zh-CN": "黄色", en: "Yellow" },
  "red": { "zh-CN": "红色", en: "Red" },
};

export const REFERRAL_LABELS: Record<Referral, Label> = {
  "communityHealthCentre": { "zh-CN": "社区卫生服务中心", en: "Community health centre" },
  "dayCareCentre": { "zh-CN": "日间照料中心", en: "Day-care centre" },
  "homeCareStation": { "zh-CN": "居家养老服务站", en: "Home-care station" },
  "socialWorker": { "zh-CN": "社工", en: "Social worker" },
  "policeOrEmergency": { "zh-CN": "公安或急救", en: "Police or emergency services" },
  "other": { "zh-CN": "其他", en: "Other" },
};

export const INCIDENT_KIND_LABELS: Record<IncidentKind, Label> = {
  "fall": { "zh-CN": "跌倒", en: "Fall" },
  "injury": { "zh-CN": "意外伤害", en: "Accidental injury" },
  "hospitalStay": { "zh-CN": "住院", en: "Hospital stay" },
};

export const CASE_STATE_LABELS: Record<CaseState, Label> = {
  "lead": { "zh-CN": "待报案", en: "Lead" },
  "reported": { "zh-CN": "已报案", en: "Reported" },
  "paid": { "zh-CN": "已赔付", en: "Paid" },
  "declined": { "zh-CN": "不予赔付", en: "Declined" },
};

export const ROLE_LABELS: Record<Role, Label> = {
  "assistant": { "zh-CN": "助老员", en: "Assistant" },
  "supervisor": { "zh-CN": "督导", en: "Supervisor" },
  "admin": { "zh-CN": "管理员", en: "Administrator" },
};

export const OPERATION_LABELS: Record<Operation, Label> = {
  "enrol": { "zh-CN": "登记老人", en: "Enrol an elder" },
  "editProfile": { "zh-CN": "编辑档案和紧急联系人", en: "Edit the profile and emergency contacts" },
  "recordVisit": { "zh-CN": "记录探访", en: "Record a visit" },
  "correctVisit": { "zh-CN": "更正探访", en: "Correct a visit" },
  "voidOwnVisit": { "zh-CN": "作废本人记录的探访", en: "Void a visit one recorded" },
  "voidAnyVisit": { "zh-CN": "作废任何探访", en: "Void any visit" },
  "addFollowUp": { "zh-CN": "添加跟进事项", en: "Add a follow-up" },
  "closeFollowUp": { "zh-CN": "关闭跟进事项", en: "Close a follow-up" },
  "changeStatus": { "zh-CN": "记录状态变化", en: "Record a status change" },
  "moveElder": { "zh-CN": "将老人转到其他社区", en: "Move an elder to another community" },
  "moveInsuranceCase": { "zh-CN": "推进幸福安康险案件（报案、赔付、不予赔付）", en: "Move an insurance case (report, paid, declined)" },
  "setTier": { "zh-CN": "手动设置关爱等级", en: "Set the care tier by hand" },
  "resolveProfileConflict": { "zh-CN": "处理档案字段冲突", en: "Resolve a conflict in the profile" },
  "resolveAnyConflict": { "zh-CN": "处理任何冲突", en: "Resolve any conflict" },
  "closeAlert": { "zh-CN": "填写说明关闭预警", en: "Close an alert with a note" },
  "unmaskedExport": { "zh-CN": "导出未遮蔽数据", en: "Export unmasked data" },
  "importRoster": { "zh-CN": "导入名册文件", en: "Import a roster file" },
  "handOver": { "zh-CN": "交接助老员（调动或停用）", en: "Hand an assistant over (move or take off)" },
  "eraseIdentity": { "zh-CN": "删除老人的身份信息", en: "Erase an elder's identity record" },
};

export const AREA_LEVEL_LABELS: Record<AreaLevel, Label> = {
  "district": { "zh-CN": "区", en: "District" },
  "street": { "zh-CN": "街道", en: "Street" },
  "community": { "zh-CN": "社区", en: "Community" },
};

export const ALERT_CLOSURE_LABELS: Record<AlertClosure, Label> = {
  "followUpDone": { "zh-CN": "已跟进", en: "Followed up" },
  "laterVisit": { "zh-CN": "已再次探访", en: "Visited again" },
  "voided": { "zh-CN": "探访已作废", en: "Visit voided" },
  "corrected": { "zh-CN": "更正后不再预警", en: "Corrected: no longer an alert" },
  "supervisorNote": { "zh-CN": "督导备注关闭", en: "Closed by a supervisor's note" },
};

export const WARNING_REASON_LABELS: Record<WarningReason, Label> = {
  "unvisited": { "zh-CN": "到预警日仍未探访", en: "Not visited by the warning day" },
  "highRiskOverdue": { "zh-CN": "高风险老人超过探访间隔", en: "High-risk elder past the visit interval" },
  "followUpOverdue": { "zh-CN": "跟进事项逾期", en: "Follow-up past its due time" },
};

export const WARNING_LEVEL_LABELS: Record<WarningLevel, Label> = {
  "street": { "zh-CN": "街道", en: "Street" },
  "district": { "zh-CN": "区（已升级）", en: "District (escalated)" },
};

export const WARNING_CLOSURE_LABELS: Record<WarningClosure, Label> = {
  "visited": { "zh-CN": "已探访", en: "Visited" },
  "followUpResolved": { "zh-CN": "跟进已完成", en: "Follow-up resolved" },
  "leftRoster": { "zh-CN": "已不在名册", en: "No longer on the roster" },
  "noLongerDue": { "zh-CN": "不再需要预警", en: "No longer due" },
};

export const ROSTER_COLUMN_LABELS: Record<RosterColumn, Label> = {
  "community": { "zh-CN": "所属社区", en: "Community" },
  "name": { "zh-CN": "姓名", en: "Name" },
  "gender": { "zh-CN": "性别", en: "Gender" },
  "birthDate": { "zh-CN": "出生日期", en: "Birth date" },
  "idNumber": { "zh-CN": "身份证号", en: "ID number" },
  "phone": { "zh-CN": "联系电话", en: "Phone" },
  "address": { "zh-CN": "住址", en: "Address" },
  "livingArrangement": { "zh-CN": "居住状况", en: "Living arrangement" },
  "categories": { "zh-CN": "困难类别", en: "Hardship categories" },
  "conditions": { "zh-CN": "重大疾病", en: "Serious conditions" },
  "unableToCommunicate": { "zh-CN": "无法自述", en: "Unable to communicate" },
  "enrolledOn": { "zh-CN": "登记日期", en: "Enrolled on" },
};

export const REJECT_CODE_LABELS: Record<RejectCode, Label> = {
  "undecodable": { "zh-CN": "数据无法解析", en: "The data could not be decoded" },
  "missingDependencies": { "zh-CN": "缺少前置修改", en: "Earlier changes are missing" },
  "missingAuthor": { "zh-CN": "修改未注明作者", en: "A change names no author" },
  "schema": { "zh-CN": "记录结构不符", en: "The record does not fit the schema" },
  "unsupportedSchemaVersion": { "zh-CN": "记录版本过新", en: "The record's schema is newer than this version" },
  "invalidField": { "zh-CN": "字段无效", en: "A field is invalid" },
  "visitInFuture": { "zh-CN": "探访时间在未来", en: "The visit is dated in the future" },
  "voidedVisitEdited": { "zh-CN": "已作废的探访被修改", en: "A voided visit was changed" },
  "elderChanged": { "zh-CN": "修改属于另一位老人", en: "The changes belong to another elder" },
  "outOfScope": { "zh-CN": "超出权限范围", en: "Outside your area" },
  "tooLarge": { "zh-CN": "数据量超出限制", en: "The changes are larger than allowed" },
  "wrongAuthor": { "zh-CN": "修改者身份不符", en: "A change names someone other than who made it" },
  "notPermitted": { "zh-CN": "您的角色无权进行此操作", en: "Your role may not make this change" },
  "fullIdNumber": { "zh-CN": "含有完整身份证号", en: "A full ID number was written" },
  "unknownField": { "zh-CN": "记录中没有此字段", en: "The record has no such field" },
  "idInUse": { "zh-CN": "编号已被其他老人的记录使用", en: "An id is already used in another elder's record" },
  "unstorable": { "zh-CN": "数据无法保存", en: "The data cannot be stored" },
};

/** The most characters of each kind of text (shared::limits); the forms show and keep them. */
export const FIELD_LIMITS: FieldLimits = {"name":50,"address":200,"phone":20,"relation":20,"visitNotes":2000,"checkNote":500,"profileNotes":10000,"reason":500,"claimNumber":40,"claimYuan":1000000};

/** The event carrying every `SyncStatus` change. */
export const SYNC_STATUS_EVENT = "sync-status";

/** Every command the window may call (src-tauri/src/app/command_list.rs). */
export const COMMANDS = ["sign_in","sign_out","current_user","known_users","roster","elder","record_visit","correct_visit","void_visit","resolve_follow_up","change_status","move_elder","set_tier","move_insurance_case","enrol_elder","update_profile","submit_id_number","resolve_conflict","rejected_changes","sync_now","sync_status","settings","save_settings","check_server","lock","unlock","is_locked","coverage","export_report","print_visit_record","print_round_list","alerts","warnings","close_alert","check_roster_file","apply_roster_file","handover","move_assistant","take_off_assistant"] as const;

/** A window command's name. */
export type Command = (typeof COMMANDS)[number];
