// The profile as the enrolment and edit forms fill it in, its checks, and what the
// core is sent: a whole profile for an enrolment, only the changed fields for an
// edit. Pure, so it is tested without a window. The core checks again.
import type {
  AreaId,
  EnrolmentForm,
  Gender,
  HardshipCategory,
  LivingArrangement,
  Profile,
  ProfileEdit,
  SeriousCondition,
  Timestamp,
} from "../lib/api/types";
import type { Messages } from "../lib/i18n/messages";

export interface ProfileDraft {
  name: string;
  gender: Gender;
  /** `YYYY-MM-DD`, as a date input gives it; empty until entered. */
  birthDate: string;
  phone: string;
  address: string;
  livingArrangement: LivingArrangement;
  categories: HardshipCategory[];
  conditions: SeriousCondition[];
  unableToCommunicate: boolean;
  notes: string;
}

export interface EnrolmentDraft extends ProfileDraft {
  enrolledOn: string;
}

export type ProfileField = "name" | "birthDate" | "phone" | "address" | "categories";
export type ProfileProblem = { field: ProfileField; message: string };

/** The calendar date in Asia/Shanghai (UTC+8 all year) of an instant. */
export function shanghaiDate(at: Timestamp): string {
  return new Date(at + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

export function newEnrolment(now: Timestamp): EnrolmentDraft {
  return {
    name: "",
    gender: "female",
    birthDate: "",
    phone: "",
    address: "",
    livingArrangement: "alone",
    categories: [],
    conditions: [],
    unableToCommunicate: false,
    notes: "",
    enrolledOn: shanghaiDate(now),
  };
}

export function draftOfProfile(profile: Profile): ProfileDraft {
  return {
    name: profile.name,
    gender: profile.gender,
    birthDate: profile.birthDate,
    phone: profile.phone ?? "",
    address: profile.address,
    livingArrangement: profile.livingArrangement,
    categories: keysOf(profile.categories),
    conditions: keysOf(profile.conditions),
    unableToCommunicate: profile.unableToCommunicate,
    notes: profile.notes,
  };
}

const PHONE = /^\+?[0-9][0-9 -]{2,19}$/;

/** What is wrong with the profile, field by field; empty when it may be saved. */
export function profileProblems(draft: ProfileDraft, m: Messages): ProfileProblem[] {
  const out: ProfileProblem[] = [];
  if (draft.name.trim() === "") out.push({ field: "name", message: m.enrol.needName });
  if (draft.birthDate === "") out.push({ field: "birthDate", message: m.enrol.needBirthDate });
  if (draft.phone.trim() !== "" && !PHONE.test(draft.phone.trim())) out.push({ field: "phone", message: m.enrol.badPhone });
  if (draft.address.trim() === "") out.push({ field: "address", message: m.enrol.needAddress });
  if (draft.categories.length === 0) out.push({ field: "categories", message: m.enrol.needCategory });
  return out;
}

export function enrolmentProblems(draft: EnrolmentDraft, m: Messages): ProfileProblem[] {
  const out = profileProblems(draft, m);
  if (draft.birthDate !== "" && draft.enrolledOn !== "" && draft.birthDate > draft.enrolledOn) {
    out.push({ field: "birthDate", message: m.enrol.bornAfterEnrolment });
  }
  return out;
}

/** The enrolment the core takes. The ID number is not here: it goes to the server. */
export function toEnrolment(draft: EnrolmentDraft, community: AreaId): EnrolmentForm {
  return {
    community,
    enrolledOn: draft.enrolledOn === "" ? null : draft.enrolledOn,
    profile: {
      name: draft.name.trim(),
      gender: draft.gender,
      birthDate: draft.birthDate,
      idNumberMasked: null,
      phone: draft.phone.trim() === "" ? null : draft.phone.trim(),
      address: draft.address.trim(),
      livingArrangement: draft.livingArrangement,
      categories: setOf(draft.categories),
      conditions: setOf(draft.conditions),
      unableToCommunicate: draft.unableToCommunicate,
      emergencyContacts: {},
      notes: draft.notes,
    },
  };
}

/** Only the fields that changed, so an edit never overwrites what someone else wrote. */
export function profileEdits(before: ProfileDraft, after: ProfileDraft): ProfileEdit[] {
  const edits: ProfileEdit[] = [];
  const text = (value: string) => value.trim();
  if (text(after.name) !== text(before.name)) edits.push({ field: "name", value: text(after.name) });
  if (after.gender !== before.gender) edits.push({ field: "gender", value: after.gender });
  if (after.birthDate !== before.birthDate) edits.push({ field: "birthDate", value: after.birthDate });
  if (text(after.phone) !== text(before.phone)) {
    edits.push({ field: "phone", value: text(after.phone) === "" ? null : text(after.phone) });
  }
  if (text(after.address) !== text(before.address)) edits.push({ field: "address", value: text(after.address) });
  if (after.livingArrangement !== before.livingArrangement) {
    edits.push({ field: "livingArrangement", value: after.livingArrangement });
  }
  if (!sameSet(after.categories, before.categories)) edits.push({ field: "categories", value: [...after.categories].sort() });
  if (!sameSet(after.conditions, before.conditions)) edits.push({ field: "conditions", value: [...after.conditions].sort() });
  if (after.unableToCommunicate !== before.unableToCommunicate) {
    edits.push({ field: "unableToCommunicate", value: after.unableToCommunicate });
  }
  if (after.notes !== before.notes) edits.push({ field: "notes", value: after.notes });
  return edits;
}

const ID_NUMBER = /^[0-9]{17}[0-9Xx]$/;

/** Whether an ID number has the resident ID card's shape (the server checks the rest). */
export function idNumberLooksRight(idNumber: string): boolean {
  return ID_NUMBER.test(idNumber.trim());
}

function keysOf<K extends string>(set: Partial<Record<K, true>>): K[] {
  return (Object.keys(set) as K[]).sort();
}

function setOf<K extends string>(values: K[]): Partial<Record<K, true>> {
  return Object.fromEntries(values.map((value) => [value, true])) as Partial<Record<K, true>>;
}

function sameSet<K extends string>(a: K[], b: K[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
}
