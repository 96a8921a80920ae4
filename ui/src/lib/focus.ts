// Keyboard users land where the new screen begins: an action that moves focus to an
// element when it appears (`use:focusOnMount` on a heading with tabindex="-1").
export function focusOnMount(element: HTMLElement): void {
  element.focus({ preventScroll: false });
}
