// The 401 prompt above the settings form: every mutation that gets a 401 leads there.
import { token } from "./api.js";
import { $, h, scrollBehavior } from "./dom.js";

// `again`: what to do once the token is in ("save again", "cancel again", …).
export function showAuthPrompt(again) {
  $("auth-prompt-text").replaceChildren(
    token()
      ? "The admin token in this browser was refused. Enter the current token under "
      : "This server needs an admin token to make changes. Enter it under ",
    h("strong", { text: "Admin token" }),
    " below, then " + again + "."
  );
  $("auth-prompt").hidden = false;
  $("access-fieldset").classList.add("attention");
}

// A mutation went through: the prompt has done its job.
export function authOk() {
  $("auth-prompt").hidden = true;
  $("access-fieldset").classList.remove("attention");
}

// What to show at a button whose mutation failed (nodes for setNote). A 401 also opens the prompt.
export function actionError(e, again) {
  if (e.status !== 401) return [e.message];
  showAuthPrompt(again || "try again");
  return [
    "An admin token is required. ",
    h("a", {
      href: "#access-fieldset",
      text: "Enter it under Configure Sparks",
      onclick: (ev) => {
        ev.preventDefault();
        $("access-fieldset").scrollIntoView({ behavior: scrollBehavior(), block: "center" });
        $("admin-token").focus({ preventScroll: true });
      },
    }),
    ".",
  ];
}
