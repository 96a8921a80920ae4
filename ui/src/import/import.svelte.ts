// A roster file from civil affairs: read here, checked by the server (a dry run that
// writes nothing), reviewed, and applied by the check's digest, so exactly what was
// reviewed is written. Only a supervisor or an administrator gets this screen.
import type { Backend } from "../lib/api/backend";
import type { RosterApplied, RosterCheck } from "../lib/api/types";
import { Fallible } from "../lib/fallible.svelte";

/** The bytes of a file as base64, the way they cross to the core. */
export function toBase64(bytes: Uint8Array): string {
  let text = "";
  const step = 0x8000;
  for (let at = 0; at < bytes.length; at += step) {
    text += String.fromCharCode(...bytes.subarray(at, at + step));
  }
  return btoa(text);
}

export class RosterImportController extends Fallible {
  fileName = $state<string | null>(null);
  check = $state<RosterCheck | null>(null);
  /** Why the file is no roster, in both languages. */
  refused = $state<{ zh: string; en: string } | null>(null);
  applied = $state<RosterApplied | null>(null);
  #content: string | null = null;

  constructor(private readonly backend: Backend) {
    super();
  }

  reset(): void {
    this.fileName = null;
    this.check = null;
    this.refused = null;
    this.applied = null;
    this.#content = null;
    this.error = null;
    this.detail = null;
  }

  /** Reads the chosen file and has the server check it. */
  async choose(name: string, bytes: Uint8Array): Promise<boolean> {
    this.reset();
    this.fileName = name;
    this.#content = toBase64(bytes);
    return this.recheck();
  }

  /** Checks the file again (after a refusal as stale, or to see the roster now). */
  async recheck(): Promise<boolean> {
    const content = this.#content;
    if (content === null) return false;
    return this.attempt(async () => {
      const reading = await this.backend.checkRosterFile(content);
      if (reading.kind === "checked") {
        this.check = reading.check;
        this.refused = null;
      } else {
        this.check = null;
        this.refused = { zh: reading.zh, en: reading.en };
      }
    });
  }

  /** Applies exactly the check on screen. */
  async apply(): Promise<boolean> {
    const content = this.#content;
    const check = this.check;
    if (content === null || check === null) return false;
    return this.attempt(async () => {
      this.applied = await this.backend.applyRosterFile(content, check.digest);
      this.check = null;
    });
  }
}
