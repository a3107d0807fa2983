// Work queue: live SLA timers, "select all" and the selected count for bulk assignment.
(function () {
  function span(seconds) {
    seconds = Math.abs(Math.round(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600), m = Math.floor((seconds % 3600) / 60);
    if (d) return d + " d " + h + " h";
    if (h) return h + " h " + String(m).padStart(2, "0") + " min";
    return m + " min";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".sla-timer[data-due]").forEach(function (el) {
      var left = (Date.parse(el.dataset.due) - now) / 1000, soon = Number(el.dataset.soon || 7200);
      el.classList.remove("text-danger", "text-warning-emphasis", "text-success", "fw-semibold");
      if (left < 0) { el.textContent = "overdue " + span(left); el.classList.add("text-danger", "fw-semibold"); }
      else if (left < soon) { el.textContent = span(left) + " left"; el.classList.add("text-warning-emphasis", "fw-semibold"); }
      else { el.textContent = span(left) + " left"; el.classList.add("text-success"); }
    });
  }
  function count() {
    var n = document.querySelectorAll('input[name="items"][form="bulk-form"]:checked').length;
    document.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = n; });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-all]")) {
      document.querySelectorAll('input[name="items"][form="bulk-form"]').forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.matches('input[name="items"], [data-select-all]')) count();
  });
  // "Spread evenly…": the filter box narrows the ticked-agent list; Enter in it does not submit.
  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-agent-filter]")) return;
    var needle = event.target.value.trim().toLowerCase();
    event.target.closest(".dropdown-menu").querySelectorAll("[data-agent-option]").forEach(function (row) {
      row.classList.toggle("d-none", needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1);
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-agent-filter]")) event.preventDefault();
  });
  document.addEventListener("htmx:afterSwap", function () { tick(); count(); });
  setInterval(tick, 30000);
})();
