// Runs before the page paints: tells GOV.UK Frontend's CSS that its JavaScript will run.
// An external file, not inline, so the Content-Security-Policy can forbid inline script.
document.body.className +=
  " js-enabled" +
  ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
