// The only module that imports @tauri-apps: the Backend over Tauri's IPC. Command
// names and argument names are the Rust commands' (src-tauri/src/app/commands.rs).
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

import type { Backend } from "./backend";
import { SYNC_STATUS_EVENT, type SyncStatus } from "./types";

export const tauriBackend: Backend = {
  signIn: (login, password) => invoke("sign_in", { login, password }),
  signOut: () => invoke("sign_out"),
  currentUser: () => invoke("current_user"),
  knownUsers: () => invoke("known_users"),
  roster: (query) => invoke("roster", { query }),
  elder: (elder) => invoke("elder", { elder }),
  recordVisit: (elder, form) => invoke("record_visit", { elder, form }),
  correctVisit: (elder, visit, visitedAt, form) => invoke("correct_visit", { elder, visit, visitedAt, form }),
  voidVisit: (elder, visit, reason) => invoke("void_visit", { elder, visit, reason }),
  resolveFollowUp: (elder, followUp, note) => invoke("resolve_follow_up", { elder, followUp, note }),
  enrolElder: (form) => invoke("enrol_elder", { form }),
  updateProfile: (elder, edits) => invoke("update_profile", { elder, edits }),
  submitIdNumber: (elder, idNumber) => invoke("submit_id_number", { elder, idNumber }),
  resolveConflict: (elder, field, chosen) => invoke("resolve_conflict", { elder, field, chosen }),
  rejectedChanges: () => invoke("rejected_changes"),
  syncNow: () => invoke("sync_now"),
  syncStatus: () => invoke("sync_status"),
  settings: () => invoke("settings"),
  saveSettings: (chosen) => invoke("save_settings", { chosen }),
  lock: () => invoke("lock"),
  unlock: (password) => invoke("unlock", { password }),
  isLocked: () => invoke("is_locked"),
  coverage: (month, area) => invoke("coverage", { month, area }),
  exportReport: (month, area, format, language) => invoke("export_report", { month, area, format, language }),
  alerts: (all) => invoke("alerts", { all }),
  closeAlert: (visit, note) => invoke("close_alert", { visit, note }),
  onSyncStatus: async (listener) => {
    const stop = await listen<SyncStatus>(SYNC_STATUS_EVENT, (event) => listener(event.payload));
    return stop;
  },
};
