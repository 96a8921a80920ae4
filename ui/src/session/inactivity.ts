// Calls `idle` once after `minutes()` without activity; every `touch` (a key, a
// click, a scroll) starts the wait again. Plain timers, so tests drive it with fake
// ones.
export class InactivityTimer {
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly minutes: () => number,
    private readonly idle: () => void,
  ) {}

  /** Starts (or restarts) the wait. */
  touch(): void {
    this.stop();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.idle();
    }, this.minutes() * 60_000);
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  get running(): boolean {
    return this.#timer !== null;
  }
}
