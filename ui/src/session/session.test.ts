import { describe, expect, it } from "vitest";

import { FakeBackend } from "../lib/fake-backend";
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
    expect(session.working).toBe(false);
  });
});

describe("the sync controller", () => {
  it("reads the status, then follows every event", async () => {
    const backend = new FakeBackend();
    const sync = new SyncController(backend.asBackend);
    await sync.start();
    expect(sync.status.state.kind).toBe("offline");
    for (const listener of backend.listeners) {
      listener({ state: { kind: "upToDate" }, pending: 0, rejected: 0, lastSuccess: 5 });
    }
    expect(sync.status.state.kind).toBe("upToDate");
    sync.stop();
    expect(backend.listeners).toHaveLength(0);
  });
});
