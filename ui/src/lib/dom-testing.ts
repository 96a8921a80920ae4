// Helpers for component tests in happy-dom: show a component, act on it as a person
// would (events bubble, as the browser's do), and clean up after each test.
import { type Component, flushSync, mount, unmount } from "svelte";

let shown: ReturnType<typeof mount> | null = null;

/** Mounts `component` on the page, replacing whatever a test showed before. */
export function show<Props extends Record<string, unknown>>(component: Component<Props>, props: Props): void {
  cleanUp();
  shown = mount(component, { target: document.body, props });
  flushSync();
}

export function cleanUp(): void {
  if (shown) unmount(shown);
  shown = null;
  document.body.innerHTML = "";
}

/** Lets pending promises (the fake backend's answers) settle. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

export function type(selector: string, text: string): void {
  const input = document.querySelector<HTMLInputElement>(selector)!;
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

export function choose(selector: string): void {
  const input = document.querySelector<HTMLInputElement>(selector)!;
  input.checked = true;
  input.dispatchEvent(new Event("change", { bubbles: true }));
  flushSync();
}

export async function submit(selector = "form"): Promise<void> {
  document.querySelector(selector)!.dispatchEvent(new Event("submit", { cancelable: true }));
  flushSync();
  await settle();
  flushSync();
}
