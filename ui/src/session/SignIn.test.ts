// @vitest-environment happy-dom
import { flushSync } from "svelte";
import { afterEach, describe, expect, it } from "vitest";

import { cleanUp, show, submit, type } from "../lib/dom-testing";
import { assistant, FakeBackend } from "../lib/fake-backend";
import { SessionController } from "./session.svelte";
import SignIn from "./SignIn.svelte";

afterEach(cleanUp);

describe("the sign-in screen", () => {
  it("offers the people who signed in here before, and signs the chosen one in with a password", async () => {
    const backend = new FakeBackend();
    backend.known = [assistant, { ...assistant, id: "0192f2a0-0000-7000-8000-000000000002", login: "c350203001001b", displayName: "鹭江社区助老员 b" }];
    const session = new SessionController(backend.asBackend);
    await session.restore();
    show(SignIn, { session });

    const people = [...document.querySelectorAll<HTMLButtonElement>("button.person")];
    expect(people.map((b) => b.textContent?.trim().split(" ")[0])).toEqual(["鹭江社区助老员", "鹭江社区助老员", "其他用户"]);
    people[1]!.click();
    flushSync();
    expect(document.querySelector("input[name=login]"), "the chosen person needs no user name").toBeNull();
    expect(document.querySelector(".chosen")?.textContent).toContain("鹭江社区助老员 b");
    expect(document.activeElement?.getAttribute("name")).toBe("password");

    type("input[name=password]", "wrong");
    await submit();
    expect(document.querySelector("[role=alert]")?.textContent).toBe("用户名或密码错误。");

    type("input[name=password]", "jinlin-demo");
    await submit();
    expect(session.user?.login).toBe("c350203001001b");
  });
});
