import { describe, expect, it } from "vitest";
import { fenOf, nextSteps, yuan } from "./insurance";

describe("the insurance form", () => {
  it("offers a lead only the report, and a reported case its outcome first", () => {
    expect(nextSteps("lead")).toEqual(["reported"]);
    expect(nextSteps("reported")[0]).toBe("paid");
    expect(nextSteps("paid")).toContain("reported");
  });

  it("reads amounts in yuan as fen and refuses what the scheme never pays", () => {
    expect(fenOf("1234.5")).toBe(123450);
    expect(fenOf("1,234.50")).toBe(123450);
    expect(fenOf("3500")).toBe(350000);
    expect(fenOf("0.01")).toBe(1);
    for (const bad of ["", "0", "-5", "12.345", "abc", "1000000.01"]) expect(fenOf(bad)).toBeNull();
    expect(yuan(350000)).toBe("3500.00");
    expect(yuan(5)).toBe("0.05");
  });
});
