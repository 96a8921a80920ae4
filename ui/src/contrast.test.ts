// WCAG 2.1 AA: every pair of text and background colour the screens use has a
// contrast ratio of at least 4.5:1 (text) or 3:1 (borders of controls), computed
// from the colours app.css actually declares.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

const css = readFileSync(fileURLToPath(new URL("./app.css", import.meta.url)), "utf8");
const palette = new Map([...css.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})\s*;/g)].map((m) => [m[1]!, m[2]!]));

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** [foreground, background] of every text the screens show. */
const TEXT: [string, string][] = [
  ["text", "page"],
  ["text", "surface"],
  ["muted", "surface"],
  ["muted", "page"],
  ["muted-strong", "surface"],
  ["surface", "ok"], // the primary buttons
  ["ok", "surface"],
  ["warning", "surface"],
  ["danger", "surface"],
  ["info", "surface"],
  ["danger", "page"],
  ["ok", "page"], // the supervisor view: a report saved
  ["info", "page"],
  ["ok", "ok-bg"], // the sync bar's tones
  ["info", "info-bg"],
  ["warning", "warning-bg"],
  ["danger", "danger-bg"],
  ["idle", "idle-bg"],
];

/** [border, background] of controls (WCAG 1.4.11, non-text contrast). */
const CONTROLS: [string, string][] = [
  ["control-border", "surface"],
  ["muted-strong", "surface"],
  ["border", "surface"],
  ["focus", "surface"],
  ["focus", "page"],
];

describe("the window's colours", () => {
  it("are all declared in app.css", () => {
    for (const name of new Set([...TEXT, ...CONTROLS].flat())) expect(palette.get(name), name).toMatch(/^#/);
  });

  it("give text a contrast of at least 4.5:1 on its background", () => {
    for (const [fg, bg] of TEXT) {
      expect(contrast(palette.get(fg)!, palette.get(bg)!), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("give controls' borders and the focus ring at least 3:1", () => {
    for (const [fg, bg] of CONTROLS) {
      expect(contrast(palette.get(fg)!, palette.get(bg)!), `${fg} on ${bg}`).toBeGreaterThanOrEqual(3);
    }
  });

  it("computes the ratio as WCAG defines it", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
  });
});
