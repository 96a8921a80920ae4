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

export type Scope = { "kind": "city" } | { "kind": "area", "area": AreaId };

export type Author = { user: UserId, device: DeviceId, };

export type SignedInUser = { id: UserId, login: string, displayName: string, role: Role, scope: Scope, };

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
conflicts: Array<ConflictRow>, };

export type RosterFilter = { "kind": "all" } | { "kind": "dueThisMonth" } | { "kind": "overdue" } | { "kind": "visitedThisMonth" } | { "kind": "tier", "value": CareTier } | { "kind": "category", "value": HardshipCategory } | { "kind": "risk", "value": RiskLevel } | { "kind": "openConflicts" } | { "kind": "openFollowUps" };

export type RosterQuery = { filters: Array<RosterFilter>, search: string, };

export type RosterEntry = { elderId: ElderId, community: AreaId, name: string, 
/**
 * The first letter of each character's pinyin, lower case ("王秀英" → "wxy").
 */
nameInitials: string, gender: Gender, age: number, status: ElderStatus, tier: CareTier, categories: Array<HardshipCategory>, 
/**
 * In this month's denominator and not yet visited validly.
 */
dueThisMonth: boolean, visitedThisMonth: boolean, lastValidVisitOn: string | null, 
/**
 * Days beyond the tier's interval (0: not overdue).
 */
daysOverdue: bigint, 
/**
 * The risk found at the latest visit that was not voided.
 */
latestRisk: RiskLevel | null, openFollowUps: number, 
/**
 * Open follow-ups whose due time has passed.
 */
followUpsPastDue: number, openConflicts: number, };

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

export type RosterLine = { 
/**
 * Changes saved here and not yet acknowledged by the server.
 */
unsynced: number, 
/**
 * Changes the server refused, kept to show.
 */
rejected: number, elderId: ElderId, community: AreaId, name: string, 
/**
 * The first letter of each character's pinyin, lower case ("王秀英" → "wxy").
 */
nameInitials: string, gender: Gender, age: number, status: ElderStatus, tier: CareTier, categories: Array<HardshipCategory>, 
/**
 * In this month's denominator and not yet visited validly.
 */
dueThisMonth: boolean, visitedThisMonth: boolean, lastValidVisitOn: string | null, 
/**
 * Days beyond the tier's interval (0: not overdue).
 */
daysOverdue: bigint, 
/**
 * The risk found at the latest visit that was not voided.
 */
latestRisk: RiskLevel | null, openFollowUps: number, 
/**
 * Open follow-ups whose due time has passed.
 */
followUpsPastDue: number, openConflicts: number, };

export type RosterView = { month: Month, coverage: CoverageTotals, lines: Array<RosterLine>, };

export type RejectedChangeView = { elderId: ElderId, hash: string, code: string, field: string | null, reason: string, savedAt: Timestamp, rejectedAt: Timestamp, };

export type ElderPage = { entry: RosterEntry, rows: ElderRows, unsynced: number, rejected: Array<RejectedChangeView>, };

export type VisitForm = { 
/**
 * When the visit took place; now when left out.
 */
visitedAt: Timestamp | null, 
/**
 * Required for a red-risk visit (the shared rules say by when).
 */
followUp: FollowUpForm | null, mode: VisitMode, outcome: VisitOutcome, checks: Checks, risk: RiskLevel, 
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

export type RecordedVisit = { visit: VisitId, page: ElderPage, };

export type SyncState = { "kind": "signedOut" } | { "kind": "offline" } | { "kind": "syncing" } | { "kind": "upToDate" } | { "kind": "error", code: SyncErrorCode, message: string, };

export type SyncErrorCode = "sessionExpired" | "deviceRevoked" | "serverRefused" | "storage" | "internal";

export type SyncStatus = { state: SyncState, 
/**
 * Changes saved here and not yet acknowledged by the server.
 */
pending: number, 
/**
 * Changes the server refused, kept to show.
 */
rejected: number, lastSuccess: Timestamp | null, };

export type StationErrorCode = "signedOut" | "wrongPassword" | "firstSignInNeedsServer" | "offline" | "sessionExpired" | "deviceRevoked" | "unknownElder" | "outOfScope" | "invalid" | "serverRefused" | "storage" | "internal";

export type ErrorView = { code: StationErrorCode, message: string, };

/** The event carrying every `SyncStatus` change. */
export const SYNC_STATUS_EVENT = "sync-status";
