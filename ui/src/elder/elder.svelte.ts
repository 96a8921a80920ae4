// The elder page's state: the page, and the edits made from it.
import type { Backend } from "../lib/api/backend";
import { isErrorView } from "../lib/api/backend";
import type {
  ElderId,
  ElderPage,
  EnrolmentForm,
  FollowUpId,
  JsonValue,
  ProfileEdit,
  StationErrorCode,
  Timestamp,
  VisitForm,
  VisitId,
} from "../lib/api/types";

export class ElderController {
  elder = $state<ElderId | null>(null);
  page = $state<ElderPage | null>(null);
  error = $state<StationErrorCode | null>(null);
  /** The core's own words for the last refused edit (which field, which rule). */
  detail = $state<string | null>(null);
  saving = $state(false);

  constructor(private readonly backend: Backend) {}

  async open(elder: ElderId): Promise<void> {
    this.elder = elder;
    this.page = null;
    await this.#run(() => this.backend.elder(elder));
  }

  /** Reads the page again (after a sync brought changes), keeping it on screen meanwhile. */
  async reload(): Promise<void> {
    const elder = this.elder;
    if (elder === null || this.saving) return;
    try {
      const page = await this.backend.elder(elder);
      if (this.elder === elder) this.page = page;
    } catch {
      // The page on screen stays; the next sync or action tries again.
    }
  }

  close(): void {
    this.elder = null;
    this.page = null;
    this.error = null;
  }

  async recordVisit(form: VisitForm): Promise<boolean> {
    const elder = this.elder;
    if (elder === null) return false;
    return this.#run(async () => (await this.backend.recordVisit(elder, form)).page);
  }

  async correctVisit(visit: VisitId, visitedAt: Timestamp, form: VisitForm): Promise<boolean> {
    const elder = this.elder;
    if (elder === null) return false;
    return this.#run(() => this.backend.correctVisit(elder, visit, visitedAt, form));
  }

  async updateProfile(edits: ProfileEdit[]): Promise<boolean> {
    const elder = this.elder;
    if (elder === null || edits.length === 0) return false;
    return this.#run(() => this.backend.updateProfile(elder, edits));
  }

  /** Sends the ID number to the server (online only); gives its masked form. */
  async submitIdNumber(idNumber: string): Promise<string | null> {
    const elder = this.elder;
    if (elder === null) return null;
    let masked: string | null = null;
    await this.#run(async () => {
      masked = await this.backend.submitIdNumber(elder, idNumber);
      return this.backend.elder(elder);
    });
    return masked;
  }

  /** Enrols a new elder and opens their page. */
  async enrol(form: EnrolmentForm): Promise<boolean> {
    const saved = await this.#run(() => this.backend.enrolElder(form));
    if (saved && this.page) this.elder = this.page.rows.elder.elderId;
    return saved;
  }

  async resolveFollowUp(followUp: FollowUpId, note: string): Promise<boolean> {
    const elder = this.elder;
    if (elder === null) return false;
    return this.#run(() => this.backend.resolveFollowUp(elder, followUp, note));
  }

  async voidVisit(visit: VisitId, reason: string): Promise<boolean> {
    const elder = this.elder;
    if (elder === null) return false;
    return this.#run(() => this.backend.voidVisit(elder, visit, reason));
  }

  async keep(field: string, value: JsonValue): Promise<boolean> {
    const elder = this.elder;
    if (elder === null) return false;
    return this.#run(() => this.backend.resolveConflict(elder, field, value));
  }

  async #run(action: () => Promise<ElderPage>): Promise<boolean> {
    this.saving = true;
    this.error = null;
    this.detail = null;
    try {
      this.page = await action();
      return true;
    } catch (error) {
      this.error = isErrorView(error) ? error.code : "internal";
      this.detail = isErrorView(error) ? error.message : null;
      return false;
    } finally {
      this.saving = false;
    }
  }
}
