// Language prompts (cases.language): while the author types, say which words can suggest a
// child is to blame, what to use instead and why, in the live region before the buttons.
// It never blocks: each phrase shown is added to the form as a hidden `prompt_seen`, so the
// server saves the form first time. Without this script the server does the same by sending
// the form back once. The list and each phrase's pattern come from the page (json_script).
const list = document.getElementById("language-phrases");
const phrases = list ? JSON.parse(list.textContent) : [];
const compiled = phrases.map((p) => ({ ...p, regex: new RegExp(p.pattern) }));
const QUOTES = { "‘": "'", "’": "'", "“": '"', "”": '"', "`": "'" };

function normalise(text) {
  return text
    .normalize("NFKC")
    .replace(/[‘’“”`]/g, (c) => QUOTES[c])
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .join(" ")
    .replace(/\b(herself|himself|themself)\b/g, "themselves");
}

function found(form, fields) {
  const text = fields
    .map((name) => form.elements.namedItem(name))
    .filter((field) => field && "value" in field)
    .map((field) => normalise(field.value))
    .join("\n");
  // Those the server has already shown on this page are not said twice.
  const shown = new Set(
    [...form.querySelectorAll("input[name=prompt_seen]:not([data-live])")].map((i) => i.value),
  );
  return compiled.filter((p) => !shown.has(p.words) && p.regex.test(text));
}

function show(form, live, fields) {
  const hits = found(form, fields);
  for (const input of form.querySelectorAll("input[name=prompt_seen][data-live]")) input.remove();
  live.replaceChildren();
  if (!hits.length) return;
  const box = document.createElement("div");
  box.className = "govuk-inset-text app-language-prompts";
  box.dataset.testid = "language-live";
  const heading = document.createElement("h2");
  heading.className = "govuk-heading-s";
  heading.textContent = "Check the words before you save";
  const list = document.createElement("ul");
  list.className = "govuk-list";
  for (const hit of hits) {
    const item = document.createElement("li");
    const words = document.createElement("strong");
    words.textContent = `“${hit.said}”`;
    item.append(words, `: ${hit.why} Instead: ${hit.instead}`);
    list.append(item);
    const seen = document.createElement("input");
    seen.type = "hidden";
    seen.name = "prompt_seen";
    seen.value = hit.words;
    seen.dataset.live = "";
    form.append(seen);
  }
  const note = document.createElement("p");
  note.className = "govuk-body";
  note.textContent = "You can change them, or save it as it is.";
  box.append(heading, list, note);
  live.append(box);
}

for (const live of document.querySelectorAll("[data-module=app-language-live]")) {
  const form = live.closest("form");
  const fields = (live.dataset.fields || "").split(" ").filter(Boolean);
  if (!form || !compiled.length || !fields.length) continue;
  let timer;
  form.addEventListener("input", (event) => {
    if (!fields.includes(event.target.name)) return;
    clearTimeout(timer);
    timer = setTimeout(() => show(form, live, fields), 400);
  });
  show(form, live, fields);
}
const shown = document.getElementById("language-prompts");
if (shown) shown.focus();
