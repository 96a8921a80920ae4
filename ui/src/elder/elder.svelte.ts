// The elder page's state: the page, and the edits made from it.
import type { Backend } from "../lib/api/backend";
import { Fallible } from "../lib/fallible.svelte";
import type {
  ElderId,
  ElderPage,
  EnrolmentForm,
  FollowUpId,
  JsonValue,
  Language,
  MoveForm,
  ProfileEdit,
  StatusForm,
  TierForm,
  InsuranceStepForm,
  Timestamp,
  VisitForm,
  VisitId,
} from "../lib/api/types";

export class ElderController extends Fallible {
  elder = $state<ElderId | null>(null);
  page = $state<ElderPage | null>(null);
  /** Where the visit record was saved, once printed. */
  printed = $state<string | null>(null);

  constructor(private readonly backend: Backend) {
    super();
  }

  async open(elder: ElderId): Promise<void> {
    this.elder = elder;
    this.page = null;
    await this.#run(() => this.backend.elder(elder));
  }

  /** Reads the page again (after a sync brought changes), keeping it on screen meanwhile. */
  async reload(): Promise<void> {
    const elder = this.elder;
    if (elder === null || this.busy) return;
    try {
      const page = await this.backend.elder(elder);
      if (this.elder === elder) this.page = page;
    } catch {
      // The page on screen stays; the next sync or action tries again.
    }
  }

  /** Saves the elder's visit record (探访记录表) as a PDF; true when saved. */
  async printVisitRecord(language: Language): Promise<boolean> {
    const elder = this.elder;
    if (elder === null) return false;
    this.printed = null;
    return this.attempt(async () => {
      this.printed = await this.backend.printVisitRecord(elder, language);
    });
  }

  close(): void {
    this.elder = null;
    this.page = null;
    this.printed = null;
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

  async changeStatus(form: StatusForm): Promise<boolean> {
    const elder = this.elder;
    if (elder === null) return false;
    return this.#run(() => this.backend.changeStatus(elder, form));
  }

  async moveElder(form: MoveForm): Promise<boolean> {
    const elder = this.elder;
    if (elder === null) return false;
    return this.#run(() => this.backend.moveElder(elder, form));
  }

  async setTier(form: TierForm): Promise<boolean> {
    const elder = this.elder;
    if (elder === null) return false;
    return this.#run(() => this.backend.setTier(elder, form));
  }

  async moveInsuranceCase(form: InsuranceStepForm): Promise<boolean> {
    const elder = this.elder;
    if (elder === null) return false;
    return this.#run(() => this.backend.moveInsuranceCase(elder, form));
  }

  async keep(field: string, value: JsonValue): Promise<boolean> {
    const elder = this.elder;
    if (elder === null) return false;
    return this.#run(() => this.backend.resolveConflict(elder, field, value));
  }

  #run(action: () => Promise<ElderPage>): Promise<boolean> {
    return this.attempt(async () => {
      this.page = await action();
    });
  }
}
