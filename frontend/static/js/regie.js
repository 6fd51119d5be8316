/* Small behaviours that would otherwise be inline script (forbidden by the CSP): templates mark elements
   with data- attributes and this file wires them, also inside content htmx swaps in. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var back = event.target.closest ? event.target.closest("a[data-back]") : null;
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();

/* Drag and drop on a calendar: an element with data-drag-url dropped on one with data-drop-day posts that day
   (htmx, so the CSRF header and the refusal messages of errors.js come along); the server answers 204 and an
   event on which the calendar reloads itself. Each card also links to a page with a date field (keyboard). */
(function () {
  "use strict";
  var dragged = null;
  function zoneOf(event) { return event.target.closest ? event.target.closest("[data-drop-day]") : null; }
  function clear() {
    Array.prototype.forEach.call(document.querySelectorAll(".drop-over"), function (z) { z.classList.remove("drop-over"); });
  }
  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest ? event.target.closest("[data-drag-url]") : null;
    if (!item) { return; }
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-drag-url"));
  });
  document.addEventListener("dragover", function (event) {
    var zone = zoneOf(event);
    if (!zone || !dragged) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!zone.classList.contains("drop-over")) { clear(); zone.classList.add("drop-over"); }
  });
  document.addEventListener("drop", function (event) {
    var zone = zoneOf(event);
    if (!zone || !dragged || !window.htmx) { return; }
    event.preventDefault();
    var item = dragged;
    clear();
    window.htmx.ajax("POST", item.getAttribute("data-drag-url"),
                     {source: item, values: {day: zone.getAttribute("data-drop-day")}, swap: "none"});
  });
  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    clear();
  });
})();

/* A live character count next to a text area: data-count-out names the <output>, data-count-max the limit;
   addresses count as a short link of data-count-link characters (except the site's own, data-count-own). */
(function () {
  "use strict";
  var LINK = /https?:\/\/[^\s<>"'`]+/gi;
  function count(area) {
    var out = document.getElementById(area.getAttribute("data-count-out"));
    if (!out) { return; }
    var text = area.value, length = text.length;
    var linkLength = parseInt(area.getAttribute("data-count-link") || "0", 10);
    var own = area.getAttribute("data-count-own") || "";
    if (linkLength) {
      (text.match(LINK) || []).forEach(function (url) {
        if (!own || url.indexOf(own) !== 0) { length += linkLength - url.length; }
      });
    }
    var max = parseInt(area.getAttribute("data-count-max") || "0", 10);
    out.textContent = String(length);
    out.classList.toggle("over", max > 0 && length > max);
  }
  function all(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("textarea[data-count-out]"), count);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-count-out]")) { count(event.target); }
  });
  document.addEventListener("DOMContentLoaded", function () { all(document); });
  document.addEventListener("htmx:load", function (event) { all(event.detail && event.detail.elt); });
})();
