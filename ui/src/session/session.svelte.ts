// Who is signed in, and signing in and out.
import type { Backend } from "../lib/api/backend";
import { isErrorView } from "../lib/api/backend";
import type { SignedInUser, StationErrorCode } from "../lib/api/types";

export class SessionController {
  user = $state<SignedInUser | null>(null);
  working = $state(false);
  error = $state<StationErrorCode | null>(null);

  constructor(private readonly backend: Backend) {}

  async restore(): Promise<void> {
    this.user = await this.backend.currentUser();
  }

  async signIn(login: string, password: string): Promise<boolean> {
    this.working = true;
    this.error = null;
    try {
      this.user = await this.backend.signIn(login.trim(), password);
      return true;
    } catch (error) {
      this.error = isErrorView(error) ? error.code : "internal";
      return false;
    } finally {
      this.working = false;
    }
  }

  async signOut(): Promise<void> {
    await this.backend.signOut();
    this.user = null;
  }
}
