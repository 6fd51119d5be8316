/* Charts without inline script: a <canvas data-chart='{"type":…,"data":…,"options":…}'> becomes a
   Chart.js chart when the page loads and whenever htmx swaps new content in (htmx:load).
   The server builds the whole configuration (core/web/charts.py), so templates hold no JavaScript. */
(function () {
  "use strict";
  var palette = ["#2b6cb0", "#c05621", "#2f855a", "#b7791f", "#6b46c1", "#c53030", "#2c7a7b", "#718096"];

  function build(canvas) {
    if (canvas.dataset.chartReady || !window.Chart) { return; }
    var box = canvas.parentElement;
    if (box && box.dataset.height) { box.style.height = parseInt(box.dataset.height, 10) + "px"; }  /* CSSOM: CSP-safe */
    var config;
    try { config = JSON.parse(canvas.dataset.chart); } catch (e) { return; }
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
