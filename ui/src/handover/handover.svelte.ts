// Handing an assistant over: the assistants of the supervisor's area with where their
// changes still wait to sync (as each workstation last said), a move to another
// community of the area, and taking one off. All from the server, online.
import type { Backend } from "../lib/api/backend";
import type { AreaId, AssistantHandover } from "../lib/api/types";
import { Fallible } from "../lib/fallible.svelte";

export class HandoverController extends Fallible {
  assistants = $state<AssistantHandover[]>([]);
  loaded = $state(false);

  constructor(private readonly backend: Backend) {
    super();
  }

  reset(): void {
    this.assistants = [];
    this.loaded = false;
    this.error = null;
    this.detail = null;
  }

  async load(): Promise<boolean> {
    return this.attempt(async () => {
      this.assistants = await this.backend.handover();
      this.loaded = true;
    });
  }

  async move(login: string, community: AreaId): Promise<boolean> {
    return this.attempt(async () => {
      this.assistants = await this.backend.moveAssistant(login, community);
    });
  }

  async takeOff(login: string): Promise<boolean> {
    return this.attempt(async () => {
      this.assistants = await this.backend.takeOffAssistant(login);
    });
  }
}

/** How many of an assistant's changes wait, over every workstation. */
export function waitingTotal(assistant: AssistantHandover): number {
  return assistant.waiting.reduce((sum, on) => sum + on.changes, 0);
}
