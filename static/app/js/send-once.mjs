// A form that records something carries a one-time token (idempotency/), so the server
// records a repeat once whatever happens. This only spares the second request: after the
// first submit, further submits of the form are stopped and its buttons shown disabled.
// Without JavaScript the token alone does the work.
const SENT = "sent";

function marked(form, sent) {
  for (const button of form.querySelectorAll("button:not([type=button])")) {
    if (sent) {
      button.setAttribute("aria-disabled", "true");
      button.classList.add("govuk-button--disabled");
    } else {
      button.removeAttribute("aria-disabled");
      button.classList.remove("govuk-button--disabled");
    }
  }
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.querySelector("input[name=once]")) return;
  if (form.dataset.once === SENT) {
    event.preventDefault();
    return;
  }
  if (event.defaultPrevented) return;
  form.dataset.once = SENT;
  marked(form, true);
});

// Back to a page the browser kept: the form can be sent again (the server will say that it
// was already recorded, and where).
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const form of document.querySelectorAll("form[data-once]")) {
    delete form.dataset.once;
    marked(form, false);
  }
});
