// Quality pages: the QA trend chart and the live score in scoring forms (server recomputes on save).
(function () {
  const data = document.getElementById("qa-trend-data");
  const canvas = document.getElementById("qa-trend");
  if (data && canvas && window.Chart) {
    const rows = JSON.parse(data.textContent);
    new Chart(canvas, {
      type: "line",
      data: {
        labels: rows.map((r) => r.month),
        datasets: [
          { label: "QA score", data: rows.map((r) => r.qa_score), borderColor: "#0b3d91", tension: 0.2 },
          { label: "Accuracy (%)", data: rows.map((r) => r.accuracy), borderColor: "#2e9d6a", borderDash: [4, 3], tension: 0.2 },
        ],
      },
      // No animation, like the dashboards: a printed page or a screenshot shows the real values.
      options: { animation: false, scales: { y: { min: 0, max: 100 } }, plugins: { legend: { position: "bottom" } } },
    });
  }
  // Selects marked data-autosubmit submit their form on change (the process picker of "Evaluate").
  document.addEventListener("change", (event) => {
    if (event.target.matches("select[data-autosubmit]") && event.target.form) event.target.form.requestSubmit();
  });
  // Live score for forms marked data-live-score. The server decides on save; while filling in,
  // each criterion's select carries what every answer adds to the score, as quality/scoring.py
  // computed it (data-contributions: {answer: {earned, weight, fails_fatal}}), so the score here
  // is only Σ earned ÷ Σ weight of the chosen answers, 0 when one fails a fatal criterion.
  // Criteria start unanswered: the score waits for all of them, a summary names the unanswered
  // ones, and submitting with any left marks them instead.
  document.querySelectorAll("form[data-live-score]").forEach((form) => {
    const out = form.querySelector("[data-score-output]");
    const summary = form.querySelector("[data-unanswered-summary]");
    const selects = () => Array.from(form.querySelectorAll("select[data-contributions]"));
    const label = (select) => {
      const row = select.closest("tr");
      const text = row && row.querySelector("label");
      return text ? text.textContent.trim() : select.name;
    };
    const update = () => {
      let earned = 0, weight = 0, fatal = false;
      const missing = [];
      selects().forEach((select) => {
        const row = select.closest("tr");
        if (select.value === "") { missing.push(select); return; }
        if (row) row.classList.remove("qa-unanswered");
        const part = JSON.parse(select.dataset.contributions)[select.value];
        earned += part.earned;
        weight += part.weight;
        if (part.fails_fatal) fatal = true;
      });
      const count = selects().length;
      if (out) {
        if (missing.length) out.textContent = "— (" + missing.length + " of " + count + " unanswered)";
        else out.textContent = weight === 0 ? "—" : fatal ? "0.0 (fatal)" : (earned / weight).toFixed(1);
      }
      if (summary && !summary.classList.contains("d-none")) {
        if (missing.length) summary.textContent = "Still unanswered: " + missing.map(label).join("; ") + ".";
        else summary.classList.add("d-none");
      }
      return missing;
    };
    form.addEventListener("change", update);
    form.addEventListener("submit", (event) => {
      if (form.hasAttribute("data-preview-only")) { event.preventDefault(); return; }
      const missing = update();
      if (!missing.length) return;
      event.preventDefault();
      missing.forEach((select) => { const row = select.closest("tr"); if (row) row.classList.add("qa-unanswered"); });
      if (summary) {
        summary.textContent = "Still unanswered: " + missing.map(label).join("; ") + ".";
        summary.classList.remove("d-none");
      }
      // The summary sits above the first section: bring it (and so the first gap) into view.
      // (One instant jump: Bootstrap's smooth scrolling would swallow a second adjustment.)
      const target = (summary || missing[0]).getBoundingClientRect().top + window.scrollY - 80; // below the sticky nav
      window.scrollTo({ top: Math.max(target, 0), behavior: "instant" });
      missing[0].focus({ preventScroll: true });
    });
    update();
  });
})();
