// Ballots: a live "spent / left" bar for knapsack ballots, a live points count for
// cumulative ones, and the print button of the receipt. The pages work without this file;
// the server checks every rule again.
(function () {
  "use strict";

  function formatMoney(amount, currency) {
    const text = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      maximumFractionDigits: Number.isInteger(amount) ? 0 : 2,
    }).format(amount);
    return text + " " + currency;
  }

  function updateKnapsack(section) {
    const budget = parseFloat(section.dataset.budget);
    const currency = section.dataset.currency || "";
    let spent = 0;
    section.querySelectorAll("input[type=checkbox][data-cost]").forEach((box) => {
      const item = box.closest(".ballot-item");
      if (box.checked) spent += parseFloat(box.dataset.cost);
      if (item) item.classList.toggle("is-chosen", box.checked);
    });
    spent = Math.round(spent * 100) / 100;
    const meter = section.querySelector("progress");
    if (meter) meter.value = Math.min(spent, budget);
    const text = section.querySelector(".budget-text");
    if (!text) return;
    const over = spent > budget;
    text.classList.toggle("is-over", over);
    const labels = text.dataset;
    text.querySelector(".budget-spent").textContent =
      (labels.spent || "Spent:") + " " + formatMoney(spent, currency);
    text.querySelector(".budget-left").textContent = over
      ? (labels.over || "Over budget by") + " " + formatMoney(spent - budget, currency)
      : (labels.left || "Left:") + " " + formatMoney(budget - spent, currency);
  }

  function updatePoints(section) {
    const text = section.querySelector(".budget-text[data-points-total]");
    if (!text) return;
    let used = 0;
    section.querySelectorAll("input[type=number]").forEach((input) => {
      const value = parseInt(input.value, 10);
      if (value > 0) used += value;
    });
    const total = parseInt(text.dataset.pointsTotal, 10);
    text.classList.toggle("is-over", used > total);
    text.textContent = (text.dataset.label || "Points given:") + " " + used + " / " + total;
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".ballot-section[data-budget]").forEach((section) => {
      section.addEventListener("change", () => updateKnapsack(section));
      updateKnapsack(section);
    });
    document.querySelectorAll(".ballot-section").forEach((section) => {
      if (section.querySelector(".budget-text[data-points-total]")) {
        section.addEventListener("input", () => updatePoints(section));
      }
    });
    document.querySelectorAll("[data-print]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => window.print());
    });
  });
})();
