// proposals: update the support count without a page reload.
// The support form carries hx-post for htmx; when htmx is not on the page, this file does
// the same with fetch. Without JavaScript the form posts and the page reloads.
document.addEventListener("DOMContentLoaded", () => {
  if (window.htmx) return; // htmx handles hx-post itself
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("hx-post")) return;
    const target = document.querySelector(form.getAttribute("hx-target"));
    if (!target) return;
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      const response = await fetch(form.getAttribute("hx-post"), {
        method: "POST",
        body: new FormData(form),
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const html = await response.text();
      const holder = document.createElement("div");
      holder.innerHTML = html.trim();
      const replacement = holder.firstElementChild;
      target.replaceWith(replacement);
      const again = replacement.querySelector("button[type=submit]");
      if (again) again.focus();
    } catch (error) {
      form.submit(); // fall back to the plain form
    }
  });
});
