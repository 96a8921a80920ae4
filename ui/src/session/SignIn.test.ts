// @vitest-environment happy-dom
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";

import { assistant, FakeBackend } from "../lib/fake-backend";
import { SessionController } from "./session.svelte";
import SignIn from "./SignIn.svelte";

let component: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (component) unmount(component);
  component = null;
  document.body.innerHTML = "";
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the sign-in screen", () => {
  it("offers the people who signed in here before, and signs the chosen one in with a password", async () => {
    const backend = new FakeBackend();
    backend.known = [assistant, { ...assistant, id: "0192f2a0-0000-7000-8000-000000000002", login: "c350203001001b", displayName: "鹭江社区助老员 b" }];
    const session = new SessionController(backend.asBackend);
    await session.restore();
    component = mount(SignIn, { target: document.body, props: { session } });
    flushSync();

    const people = [...document.querySelectorAll<HTMLButtonElement>("button.person")];
    expect(people.map((b) => b.textContent?.trim().split(" ")[0])).toEqual(["鹭江社区助老员", "鹭江社区助老员", "其他用户"]);
    people[1]!.click();
    flushSync();
    expect(document.querySelector("input[name=login]"), "the chosen person needs no user name").toBeNull();
    expect(document.querySelector(".chosen")?.textContent).toContain("鹭江社区助老员 b");
    expect(document.activeElement?.getAttribute("name")).toBe("password");

    const password = document.querySelector<HTMLInputElement>("input[name=password]")!;
    password.value = "wrong";
    password.dispatchEvent(new Event("input", { bubbles: true }));
    document.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    flushSync();
    expect(document.querySelector("[role=alert]")?.textContent).toBe("用户名或密码错误。");

    password.value = "jinlin-demo";
    password.dispatchEvent(new Event("input", { bubbles: true }));
    document.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    expect(session.user?.login).toBe("c350203001001b");
  });
});
