// Who is signed in, who has signed in here before, signing in and out, and the
// lock after inactivity.
import type { Backend } from "../lib/api/backend";
import type { OfflineReason, SignedInUser } from "../lib/api/types";
import { Fallible } from "../lib/fallible.svelte";

export class SessionController extends Fallible {
  user = $state<SignedInUser | null>(null);
  /** Signed in, but the screen waits for the password (sync goes on). */
  locked = $state(false);
  /** Why the workstation signed the user in by itself, when the server could not. */
  offline = $state<OfflineReason | null>(null);
  /** People who signed in on this workstation before: the "who are you" choice. */
  knownUsers = $state<SignedInUser[]>([]);

  constructor(private readonly backend: Backend) {
    super();
  }

  async restore(): Promise<void> {
    this.user = await this.backend.currentUser();
    this.locked = this.user !== null && (await this.backend.isLocked());
    this.knownUsers = await this.backend.knownUsers();
  }

  async signIn(login: string, password: string): Promise<boolean> {
    return this.attempt(async () => {
      const signedIn = await this.backend.signIn(login.trim(), password);
      this.user = signedIn.user;
      this.offline = signedIn.offline;
      this.locked = false;
    });
  }

  async signOut(): Promise<void> {
    await this.backend.signOut();
    this.user = null;
    this.offline = null;
    this.locked = false;
    this.error = null;
    this.knownUsers = await this.backend.knownUsers();
  }

  async lock(): Promise<void> {
    if (this.user === null || this.locked) return;
    await this.backend.lock();
    this.locked = true;
    this.error = null;
  }

  async unlock(password: string): Promise<boolean> {
    return this.attempt(async () => {
      this.user = await this.backend.unlock(password);
      this.locked = false;
    });
  }
}
