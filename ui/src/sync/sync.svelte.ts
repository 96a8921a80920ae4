// The sync status as the window holds it: read once, then kept current by events.
import type { Backend } from "../lib/api/backend";
import type { SyncStatus } from "../lib/api/types";

export class SyncController {
  status = $state<SyncStatus>({ state: { kind: "signedOut" }, pending: 0, rejected: 0, lastSuccess: null, app: { kind: "upToDate" } });
  #stop: (() => void) | null = null;

  constructor(private readonly backend: Backend) {}

  async start(): Promise<void> {
    this.#stop = await this.backend.onSyncStatus((status) => {
      this.status = status;
    });
    this.status = await this.backend.syncStatus();
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
  }

  async syncNow(): Promise<void> {
    await this.backend.syncNow();
  }
}
