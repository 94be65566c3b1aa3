// Coproduction forms: show only the fieldset that fits the kind chosen (labour, or goods,
// equipment and space). Without JavaScript every fieldset stays visible and the server
// ignores the fields that do not apply.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-kind-form]").forEach((form) => {
    const radios = form.querySelectorAll('input[name="kind"]');
    const sets = form.querySelectorAll("fieldset[data-kinds]");
    const update = () => {
      const chosen = form.querySelector('input[name="kind"]:checked');
      sets.forEach((set) => {
        const kinds = set.dataset.kinds.split(" ");
        set.hidden = Boolean(chosen) && !kinds.includes(chosen.value);
      });
      form.querySelectorAll("[data-kind-only]").forEach((field) => {
        const wrapper = field.closest(".field, .field-checkbox") || field;
        wrapper.hidden = Boolean(chosen) && !field.dataset.kindOnly.split(" ").includes(chosen.value);
      });
    };
    radios.forEach((radio) => radio.addEventListener("change", update));
    update();
  });
});
