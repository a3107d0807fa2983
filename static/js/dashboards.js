// Dashboard charts: every <canvas data-chart="ID"> is drawn from the JSON in <script id="ID">,
// which the server builds (reporting/dashboards.py: chart specs). No inline script (CSP).
(function () {
  if (!window.Chart) return;
  const palette = ["#0b3d91", "#2e86de", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#7f8c8d"];
  const fmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  // Durations as the portal writes them everywhere (bpo_portal/units.py): m:ss below an hour,
  // h:mm:ss from an hour up, whole seconds rounded half up.
  function duration(value) {
    const total = Math.floor(Math.abs(value) + 0.5);
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    const pad = function (n) { return String(n).padStart(2, "0"); };
    return (value < 0 ? "−" : "") + (h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s));
  }
  function label(value, unit) {
    if (value === null || value === undefined) return "—";
    if (unit === "s") return duration(value);
    return fmt.format(value) + (unit ? " " + unit : "");
  }
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    const datasets = spec.datasets.map(function (d, i) {
      const color = d.color || palette[i % palette.length];
      return {
        type: d.type || spec.type || "line",
        label: d.label,
        data: d.data,
        yAxisID: d.axis || "y",
        borderColor: color,
        backgroundColor: d.type === "bar" ? color + "cc" : color,
        borderDash: d.dashed ? [6, 4] : [],
        borderWidth: d.dashed ? 1.5 : 2,
        pointRadius: d.points === false ? 0 : 2,
        spanGaps: false,
        stack: d.stack,
        tension: 0.2,
        unit: d.unit || (d.axis === "y2" ? spec.y2Unit : spec.yUnit) || "",
      };
    });
    const scales = {
      x: { stacked: !!spec.stacked, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 12 } },
      y: {
        stacked: !!spec.stacked,
        beginAtZero: spec.beginAtZero !== false,
        title: { display: !!spec.yTitle, text: spec.yTitle || "" },
        ticks: { callback: function (v) { return label(v, spec.yUnit); } },
      },
    };
    if (spec.y2Unit !== undefined) {
      scales.y2 = {
        position: "right",
        beginAtZero: true,
        grid: { drawOnChartArea: false },
        title: { display: !!spec.y2Title, text: spec.y2Title || "" },
        ticks: { callback: function (v) { return label(v, spec.y2Unit); } },
      };
      if (spec.y2Max) scales.y2.max = spec.y2Max;
    }
    if (spec.yMax) scales.y.max = spec.yMax;
    new Chart(canvas, {
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (ctx) { return ctx.dataset.label + ": " + label(ctx.parsed.y, ctx.dataset.unit); },
            },
          },
        },
        scales: scales,
      },
    });
  });
  // Period filter: the custom dates show only when "Custom" is chosen.
  document.querySelectorAll("[data-period-select]").forEach(function (select) {
    const dates = document.querySelectorAll("[data-custom-dates]");
    function sync() { dates.forEach(function (el) { el.classList.toggle("d-none", select.value !== "custom"); }); }
    select.addEventListener("change", sync);
    sync();
  });
  // Print button.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
