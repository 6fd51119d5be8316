/* Charts without inline script: a <canvas data-chart='{"type":…,"data":…,"options":…}'> becomes a
   Chart.js chart when the page loads and whenever htmx swaps new content in (htmx:load).
   The server builds the whole configuration (core/web/charts.py), so templates hold no JavaScript. */
(function () {
  "use strict";
  var palette = ["#2b6cb0", "#c05621", "#2f855a", "#b7791f", "#6b46c1", "#c53030", "#2c7a7b", "#718096"];

  /* Labels that are ISO days ("2026-12-07") or UTC hours ("2026-12-07 08:00") read as the page's language writes
     them, hours in Europe/Amsterdam ("7 dec", "7 dec 09:00"); other labels stay as they are. */
  var formats = {};
  function formatter(kind) {
    if (!formats[kind]) {
      var lang = document.documentElement.lang || "nl";
      formats[kind] = kind === "day"
        ? new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", timeZone: "UTC" })
        : new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
                                          timeZone: "Europe/Amsterdam" });
    }
    return formats[kind];
  }
  function label(text) {
    if (typeof text !== "string") { return text; }
    try {
      if (/^\d{4}-\d{2}-\d{2}$/.test(text)) { return formatter("day").format(new Date(text + "T00:00:00Z")); }
      if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(text)) {
        return formatter("hour").format(new Date(text.replace(" ", "T") + ":00Z"));
      }
    } catch (e) { return text; }
    return text;
  }

  function build(canvas) {
    if (canvas.dataset.chartReady || !window.Chart) { return; }
    var box = canvas.parentElement;
    if (box && box.dataset.height) { box.style.height = parseInt(box.dataset.height, 10) + "px"; }  /* CSSOM: CSP-safe */
    var config;
    try { config = JSON.parse(canvas.dataset.chart); } catch (e) { return; }
    if (config.data.labels) { config.data.labels = config.data.labels.map(label); }
    (config.data.datasets || []).forEach(function (set, i) {
      var colour = set.color || palette[i % palette.length];
      if (!set.backgroundColor) { set.backgroundColor = set.colors || (config.type === "line" ? colour + "33" : colour); }
      if (!set.borderColor) { set.borderColor = set.colors ? "#fff" : colour; }
      delete set.color; delete set.colors;
    });
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    canvas.dataset.chartReady = "1";
    new window.Chart(canvas, config);
  }

  function scan(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("canvas[data-chart]").forEach(build);
  }

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (event) { scan(event.target || document); });
})();
