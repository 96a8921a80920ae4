// The only module that imports @tauri-apps: the Backend over Tauri's IPC. Command
// names and argument names are the Rust commands' (src-tauri/src/app/commands.rs);
// a name must be one of `COMMANDS` (types.ts) to type-check, and tauri.test.ts checks
// that each method calls its own command.
import { invoke, type InvokeArgs } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

import type { Backend } from "./backend";
import { SYNC_STATUS_EVENT, type Command, type SyncStatus } from "./types";

function call<T>(command: Command, args?: InvokeArgs): Promise<T> {
  return invoke<T>(command, args);
}

export const tauriBackend: Backend = {
  signIn: (login, password) => call("sign_in", { login, password }),
  signOut: () => call("sign_out"),
  currentUser: () => call("current_user"),
  knownUsers: () => call("known_users"),
  roster: (query) => call("roster", { query }),
  elder: (elder) => call("elder", { elder }),
  recordVisit: (elder, form) => call("record_visit", { elder, form }),
  correctVisit: (elder, visit, visitedAt, form) => call("correct_visit", { elder, visit, visitedAt, form }),
  voidVisit: (elder, visit, reason) => call("void_visit", { elder, visit, reason }),
  resolveFollowUp: (elder, followUp, note) => call("resolve_follow_up", { elder, followUp, note }),
  changeStatus: (elder, form) => call("change_status", { elder, form }),
  moveElder: (elder, form) => call("move_elder", { elder, form }),
  setTier: (elder, form) => call("set_tier", { elder, form }),
  moveInsuranceCase: (elder, form) => call("move_insurance_case", { elder, form }),
  printVisitRecord: (elder, language) => call("print_visit_record", { elder, language }),
  printRoundList: (language) => call("print_round_list", { language }),
  enrolElder: (form) => call("enrol_elder", { form }),
  updateProfile: (elder, edits) => call("update_profile", { elder, edits }),
  submitIdNumber: (elder, idNumber) => call("submit_id_number", { elder, idNumber }),
  resolveConflict: (elder, field, chosen) => call("resolve_conflict", { elder, field, chosen }),
  rejectedChanges: () => call("rejected_changes"),
  syncNow: () => call("sync_now"),
  syncStatus: () => call("sync_status"),
  settings: () => call("settings"),
  saveSettings: (chosen) => call("save_settings", { chosen }),
  checkServer: (server, caCertificate) => call("check_server", { server, caCertificate }),
  lock: () => call("lock"),
  unlock: (password) => call("unlock", { password }),
  isLocked: () => call("is_locked"),
  coverage: (month, area) => call("coverage", { month, area }),
  exportReport: (month, area, format, language) => call("export_report", { month, area, format, language }),
  alerts: (all) => call("alerts", { all }),
  warnings: (all) => call("warnings", { all }),
  closeAlert: (visit, note) => call("close_alert", { visit, note }),
  checkRosterFile: (content) => call("check_roster_file", { content }),
  applyRosterFile: (content, digest) => call("apply_roster_file", { content, digest }),
  handover: () => call("handover"),
  moveAssistant: (login, community) => call("move_assistant", { login, community }),
  takeOffAssistant: (login) => call("take_off_assistant", { login }),
  onSyncStatus: async (listener) => {
    const stop = await listen<SyncStatus>(SYNC_STATUS_EVENT, (event) => listener(event.payload));
    return stop;
  },
};
