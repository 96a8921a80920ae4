import { describe, expect, it } from "vitest";

import type { RosterApplied, RosterCheck, RosterReading } from "../lib/api/types";
import { FakeBackend } from "../lib/fake-backend";
import { RosterImportController, toBase64 } from "./import.svelte";

const check: RosterCheck = {
  header: { line: 2, columns: [["姓名", "name"], ["序号", null]] },
  rows: 3,
  enrol: [{ line: 3, name: "陈秀英", community: "c", birthDate: "1938-05-02", idNumberMasked: null }],
  update: [],
  unchanged: 1,
  missing: [],
  problems: [],
  digest: "d1",
};

class Recording extends FakeBackend {
  sent: { content: string; digest?: string }[] = [];
  reading: RosterReading = { kind: "checked", check };
  override async checkRosterFile(content: string): Promise<RosterReading> {
    this.sent.push({ content });
    return this.reading;
  }
  override async applyRosterFile(content: string, digest: string): Promise<RosterApplied> {
    this.sent.push({ content, digest });
    return { enrolled: 1, updated: 0, refused: [] };
  }
}

describe("the roster file screen", () => {
  it("sends the file as base64, even one larger than a call's argument limit", () => {
    expect(toBase64(new TextEncoder().encode("姓名"))).toBe("5aeT5ZCN");
    const big = new Uint8Array(200_000).fill(65);
    expect(atob(toBase64(big)).length).toBe(200_000);
  });

  it("applies exactly the check on screen, by its digest", async () => {
    const backend = new Recording();
    const importer = new RosterImportController(backend);
    expect(await importer.choose("名册.xlsx", new TextEncoder().encode("x"))).toBe(true);
    expect(importer.check?.digest).toBe("d1");
    expect(await importer.apply()).toBe(true);
    expect(backend.sent).toEqual([{ content: "eA==" }, { content: "eA==", digest: "d1" }]);
    expect(importer.applied?.enrolled).toBe(1);
    expect(importer.check).toBeNull();
  });

  it("shows why a file is no roster and offers nothing to apply", async () => {
    const backend = new Recording();
    backend.reading = { kind: "refused", zh: "文件中没有任何行。", en: "the file has no rows" };
    const importer = new RosterImportController(backend);
    await importer.choose("空.csv", new Uint8Array());
    expect(importer.refused?.zh).toBe("文件中没有任何行。");
    expect(await importer.apply()).toBe(false);
    expect(backend.sent).toHaveLength(1);
  });
});
