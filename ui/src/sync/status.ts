// What the sync bar says about a sync status: pure, so it is tested without a window.
import type { SyncStatus } from "../lib/api/types";
import type { Messages } from "../lib/i18n/messages";

export type Tone = "ok" | "busy" | "offline" | "error" | "idle";

export interface SyncSummary {
  tone: Tone;
  headline: string;
  /** What to do about it, for errors. */
  advice: string | null;
  details: string[];
  /** A newer app the city offers, or this one too old to sync. */
  release: string | null;
}

export function summarise(status: SyncStatus, m: Messages, formatTime: (at: number) => string): SyncSummary {
  const details: string[] = [];
  if (status.pending > 0) details.push(m.sync.pending(status.pending));
  if (status.rejected > 0) details.push(m.sync.rejected(status.rejected));
  details.push(status.lastSuccess === null ? m.sync.never : m.sync.lastSuccess(formatTime(status.lastSuccess)));
  const release = releaseNotice(status, m);
  return { ...withoutRelease(status, m, details), release };
}

function releaseNotice(status: SyncStatus, m: Messages): string | null {
  const app = status.app;
  switch (app.kind) {
    case "upToDate":
      return null;
    case "updateAvailable":
      return m.sync.updateAvailable(app.version, app.download);
    case "tooOld":
      return m.sync.tooOld(app.minimum, app.download);
    default:
      return null;
  }
}

function withoutRelease(status: SyncStatus, m: Messages, details: string[]): Omit<SyncSummary, "release"> {
  const state = status.state;
  switch (state.kind) {
    case "signedOut":
      return { tone: "idle", headline: m.sync.signedOut, advice: null, details };
    case "offline":
      return { tone: "offline", headline: m.sync.offline, advice: null, details };
    case "syncing":
      return { tone: "busy", headline: m.sync.syncing, advice: null, details };
    case "upToDate":
      // Saved since the last sync: the engine is about to send it.
      if (status.pending > 0) return { tone: "busy", headline: m.sync.waiting, advice: null, details };
      return { tone: "ok", headline: m.sync.upToDate, advice: null, details };
    case "error":
      return { tone: "error", headline: m.sync.error, advice: m.sync.advice[state.code], details };
  }
}
