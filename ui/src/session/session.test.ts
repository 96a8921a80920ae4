import { describe, expect, it, vi } from "vitest";

import { assistant, FakeBackend } from "../lib/fake-backend";
import { InactivityTimer } from "./inactivity";
import { SyncController } from "../sync/sync.svelte";
import { SessionController } from "./session.svelte";

describe("the session controller", () => {
  it("keeps the error code of a refused sign-in and the user of an accepted one", async () => {
    const backend = new FakeBackend();
    const session = new SessionController(backend.asBackend);
    expect(await session.signIn("c350203001001a", "wrong")).toBe(false);
    expect(session.error).toBe("wrongPassword");
    expect(session.user).toBeNull();
    expect(await session.signIn(" c350203001001a ", "jinlin-demo")).toBe(true);
    expect(session.user?.login).toBe("c350203001001a");
    expect(session.error).toBeNull();
    expect(session.busy).toBe(false);
    expect(session.offline).toBeNull();
  });

  it("keeps why the workstation signed the user in by itself, until sign-out", async () => {
    const backend = new FakeBackend();
    backend.offlineReason = "throttled";
    const session = new SessionController(backend.asBackend);
    expect(await session.signIn("c350203001001a", "jinlin-demo")).toBe(true);
    expect(session.offline).toBe("throttled");
    await session.signOut();
    expect(session.offline).toBeNull();
  });
});

describe("the sync controller", () => {
  it("reads the status, then follows every event", async () => {
    const backend = new FakeBackend();
    const sync = new SyncController(backend.asBackend);
    await sync.start();
    expect(sync.status.state.kind).toBe("offline");
    for (const listener of backend.listeners) {
      listener({ state: { kind: "upToDate" }, pending: 0, rejected: 0, lastSuccess: 5, app: { kind: "upToDate" } });
    }
    expect(sync.status.state.kind).toBe("upToDate");
    sync.stop();
    expect(backend.listeners).toHaveLength(0);
  });
});

describe("locking", () => {
  it("locks, refuses a wrong password, and unlocks with the right one", async () => {
    const backend = new FakeBackend();
    const session = new SessionController(backend.asBackend);
    await session.signIn("c350203001001a", "jinlin-demo");
    await session.lock();
    expect(session.locked).toBe(true);
    expect(backend.locked).toBe(true);
    expect(await session.unlock("wrong")).toBe(false);
    expect(session.error).toBe("wrongPassword");
    expect(session.locked).toBe(true);
    expect(await session.unlock("jinlin-demo")).toBe(true);
    expect(session.locked).toBe(false);
    expect(session.error).toBeNull();
  });

  it("restores a locked session after the window reloads, and signing out leaves the choice of users", async () => {
    const backend = new FakeBackend();
    backend.user = assistant;
    backend.locked = true;
    backend.known = [assistant];
    const session = new SessionController(backend.asBackend);
    await session.restore();
    expect(session.user?.login).toBe(assistant.login);
    expect(session.locked).toBe(true);
    expect(session.knownUsers.map((u) => u.login)).toEqual([assistant.login]);
    await session.signOut();
    expect(session.user).toBeNull();
    expect(session.locked).toBe(false);
    expect(session.knownUsers).toHaveLength(1);
  });

  it("the inactivity timer fires once after the delay, and every touch starts the wait again", () => {
    vi.useFakeTimers();
    try {
      let fired = 0;
      let minutes = 10;
      const timer = new InactivityTimer(() => minutes, () => fired++);
      timer.touch();
      vi.advanceTimersByTime(9 * 60_000);
      timer.touch();
      vi.advanceTimersByTime(9 * 60_000);
      expect(fired).toBe(0);
      vi.advanceTimersByTime(60_000);
      expect(fired).toBe(1);
      expect(timer.running).toBe(false);
      minutes = 1;
      timer.touch();
      timer.stop();
      vi.advanceTimersByTime(120_000);
      expect(fired).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
