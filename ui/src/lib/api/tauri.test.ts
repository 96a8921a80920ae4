import { describe, expect, it, vi } from "vitest";

const { invoked } = vi.hoisted(() => ({ invoked: [] as string[] }));
vi.mock("@tauri-apps/api/core", () => ({
  invoke: vi.fn(async (command: string) => {
    invoked.push(command);
    return null;
  }),
}));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn(async () => () => {}) }));

import { tauriBackend } from "./tauri";
import { COMMANDS } from "./types";

/** `signIn` → `sign_in`. */
const commandOf = (method: string) => method.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

describe("the Tauri backend", () => {
  it("calls through each method the command of the same name, once", async () => {
    for (const [method, callIt] of Object.entries(tauriBackend)) {
      if (method === "onSyncStatus") continue;
      invoked.length = 0;
      await (callIt as () => Promise<unknown>)();
      expect(invoked, method).toEqual([commandOf(method)]);
    }
  });

  it("has a method for every window command and for no other", () => {
    const methods = Object.keys(tauriBackend).filter((m) => m !== "onSyncStatus");
    expect(methods.map(commandOf).sort()).toEqual([...COMMANDS].sort());
  });
});
