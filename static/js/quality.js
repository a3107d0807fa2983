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
      options: { scales: { y: { min: 0, max: 100 } }, plugins: { legend: { position: "bottom" } } },
    });
  }
  // Live score preview for forms marked data-live-score (same rule as quality/scoring.py).
  document.querySelectorAll("form[data-live-score]").forEach((form) => {
    const out = form.querySelector("[data-score-output]");
    const update = () => {
      const sections = {};
      const rows = [];
      form.querySelectorAll("select[data-points]").forEach((select) => {
        const section = select.dataset.section;
        const weight = parseFloat(select.dataset.weight);
        sections[section] = (sections[section] || 0) + weight;
        rows.push({ select, section, weight });
      });
      let earned = 0, total = 0, fatal = false;
      rows.forEach(({ select, section, weight }) => {
        if (select.value === "na") return;
        const possible = parseInt(select.dataset.points, 10);
        const points = parseInt(select.value, 10);
        const w = (parseFloat(select.dataset.sectionWeight) * weight) / sections[section];
        earned += (w * points) / possible;
        total += w;
        if (points < possible && select.dataset.fatal === "1") fatal = true;
      });
      if (out) out.textContent = total === 0 ? "—" : fatal ? "0.0 (fatal)" : ((earned / total) * 100).toFixed(1);
    };
    form.addEventListener("change", update);
    update();
  });
})();
