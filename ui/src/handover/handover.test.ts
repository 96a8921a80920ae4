import { describe, expect, it } from "vitest";

import type { AssistantHandover } from "../lib/api/types";
import { FakeBackend } from "../lib/fake-backend";
import { HandoverController, waitingTotal } from "./handover.svelte";

const assistant = (login: string, community: string, changes: number[]): AssistantHandover => ({
  user: "0192f2a0-0000-7000-8000-000000000001",
  login,
  displayName: login,
  community: { id: community, name: community },
  disabled: false,
  waiting: changes.map((n, i) => ({ workstation: `pc${i}`, changes: n, reportedAt: 0 })),
});

class Recording extends FakeBackend {
  calls: string[] = [];
  override async handover(): Promise<AssistantHandover[]> {
    this.calls.push("list");
    return [assistant("a", "c1", [2, 3])];
  }
  override async moveAssistant(login: string, community: string): Promise<AssistantHandover[]> {
    this.calls.push(`move ${login} ${community}`);
    return [assistant(login, community, [])];
  }
}

describe("handing an assistant over", () => {
  it("adds up what waits on every workstation", () => {
    expect(waitingTotal(assistant("a", "c1", [2, 3]))).toBe(5);
    expect(waitingTotal(assistant("a", "c1", []))).toBe(0);
  });

  it("lists, moves, and shows the list the server answers", async () => {
    const backend = new Recording();
    const handover = new HandoverController(backend);
    expect(await handover.load()).toBe(true);
    expect(handover.assistants[0]?.community.id).toBe("c1");
    expect(await handover.move("a", "c2")).toBe(true);
    expect(backend.calls).toEqual(["list", "move a c2"]);
    expect(handover.assistants[0]?.community.id).toBe("c2");
  });

  it("keeps the list on a refusal and says why", async () => {
    const handover = new HandoverController(new FakeBackend());
    expect(await handover.takeOff("a")).toBe(false);
    expect(handover.error).toBe("serverRefused");
  });
});
