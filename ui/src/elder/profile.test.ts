import { describe, expect, it } from "vitest";

import type { Profile } from "../lib/api/types";
import { catalogues } from "../lib/i18n/messages";
import {
  draftOfProfile,
  enrolmentProblems,
  idNumberLooksRight,
  newEnrolment,
  profileEdits,
  shanghaiDate,
  toEnrolment,
} from "./profile";

const zh = catalogues["zh-CN"];
const now = Date.UTC(2026, 10, 27, 17, 30); // 2026-11-28 01:30 in Shanghai

const profile: Profile = {
  name: "王秀英",
  gender: "female",
  birthDate: "1941-03-09",
  idNumberMasked: "3502**********1234",
  phone: "13800001234",
  address: "鹭江街道 1 号",
  livingArrangement: "alone",
  categories: { livingAlone: true, advancedAge: true },
  conditions: {},
  unableToCommunicate: false,
  emergencyContacts: {},
  notes: "",
};

describe("the enrolment form", () => {
  it("enrols today in Shanghai and points at every missing field", () => {
    const draft = newEnrolment(now);
    expect(draft.enrolledOn).toBe("2026-11-28");
    expect(shanghaiDate(now)).toBe("2026-11-28");
    expect(enrolmentProblems(draft, zh).map((p) => p.field)).toEqual(["name", "birthDate", "address", "categories"]);
    Object.assign(draft, { name: " 李建国 ", birthDate: "2030-01-01", address: "厦港街道 2 号", categories: ["disabled"], phone: "abc" });
    expect(enrolmentProblems(draft, zh)).toEqual([
      { field: "phone", message: zh.enrol.badPhone },
      { field: "birthDate", message: zh.enrol.bornAfterEnrolment },
    ]);
  });

  it("sends a whole profile with no ID number and trimmed text", () => {
    const draft = { ...newEnrolment(now), name: " 李建国 ", birthDate: "1940-05-01", address: "厦港街道 2 号 ", phone: " 0592-1234567 ", categories: ["disabled" as const] };
    expect(enrolmentProblems(draft, zh)).toEqual([]);
    const form = toEnrolment(draft, "community-1");
    expect(form.community).toBe("community-1");
    expect(form.profile).toMatchObject({ name: "李建国", address: "厦港街道 2 号", phone: "0592-1234567", idNumberMasked: null });
    expect(form.profile.categories).toEqual({ disabled: true });
  });
});

describe("the profile edit", () => {
  it("sends only what changed", () => {
    const before = draftOfProfile(profile);
    expect(profileEdits(before, { ...before })).toEqual([]);
    const after = { ...before, phone: "", address: "鹭江街道 3 号", categories: ["advancedAge" as const, "livingAlone" as const] };
    expect(profileEdits(before, after)).toEqual([
      { field: "phone", value: null },
      { field: "address", value: "鹭江街道 3 号" },
    ]);
    expect(profileEdits(before, { ...before, categories: ["advancedAge"] })).toEqual([{ field: "categories", value: ["advancedAge"] }]);
  });

  it("checks an ID number's shape before it is sent", () => {
    expect(idNumberLooksRight("35020319410309123X")).toBe(true);
    expect(idNumberLooksRight("3502031941030912")).toBe(false);
    expect(idNumberLooksRight("35020319410309123Y")).toBe(false);
  });
});
