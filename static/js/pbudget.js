// pbudget progressive enhancement. Every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to a form's error summary so screen-reader users hear it first.
  const summary = document.getElementById("form-errors");
  if (summary) summary.focus();
  // Submit the language form as soon as a language is chosen.
  const select = document.getElementById("language-select");
  if (select && select.form) {
    select.addEventListener("change", () => select.form.submit());
  }
});
