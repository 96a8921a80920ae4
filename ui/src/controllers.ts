// The composition root: every controller of the window, over one backend.
import { ElderController } from "./elder/elder.svelte";
import { HandoverController } from "./handover/handover.svelte";
import { RosterImportController } from "./import/import.svelte";
import type { Backend } from "./lib/api/backend";
import { RosterController } from "./roster/roster.svelte";
import { SessionController } from "./session/session.svelte";
import { SettingsController } from "./settings/settings.svelte";
import { SupervisionController } from "./supervision/supervision.svelte";
import { SyncController } from "./sync/sync.svelte";

export interface Controllers {
  session: SessionController;
  settings: SettingsController;
  sync: SyncController;
  roster: RosterController;
  elder: ElderController;
  supervision: SupervisionController;
  rosterImport: RosterImportController;
  handover: HandoverController;
}

export function controllers(backend: Backend): Controllers {
  return {
    session: new SessionController(backend),
    settings: new SettingsController(backend),
    sync: new SyncController(backend),
    roster: new RosterController(backend),
    elder: new ElderController(backend),
    supervision: new SupervisionController(backend),
    rosterImport: new RosterImportController(backend),
    handover: new HandoverController(backend),
  };
}
