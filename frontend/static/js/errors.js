/* Refusals and failures of htmx requests, shown where the person acted (the CSP forbids inline script).

   htmx does not swap 403, 404, 409, 5xx answers by itself (see the htmx-config meta), so without this file a
   refused form post changed nothing on screen. The server renders every error as a page with its translated
   reason (core/web/errors.py, error.html) or re-renders the form with its errors; here:
   - a boosted navigation (a link or a GET form) shows that page, as a browser without htmx would;
   - anything else (a form post, a button, a poll) keeps the page and shows the reason next to the form or
     element that sent the request, or in the alert region at the top when there is no such element;
   - no answer at all (network down, timeout) says so in the alert region.
   Texts that do not come from the server are given by the script tag's data- attributes (translated there). */
(function () {
  "use strict";
  var script = document.currentScript;
  var text = function (name, fallback) {
    return (script && script.getAttribute("data-" + name)) || fallback;
  };

  function reasonsFrom(xhr) {
    var reasons = [];
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("json") !== -1) {
      try {
        (JSON.parse(xhr.responseText).errors || []).forEach(function (e) { reasons.push(e.reason); });
      } catch (ignored) { /* not JSON after all: fall back below */ }
    } else if (xhr.responseText) {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var main = doc.querySelector("main") || doc.body;
      // the error page's reasons, or a re-rendered form's: the form-wide alert and each field's error
      var nodes = main ? main.querySelectorAll(".alert.error, small.error") : [];
      Array.prototype.forEach.call(nodes, function (node) {
        var reason = node.textContent.replace(/\s+/g, " ").trim();
        if (reason && reasons.indexOf(reason) === -1) { reasons.push(reason); }
      });
      if (!reasons.length) {
        var title = main && main.querySelector("h1");
        if (title && title.textContent.trim()) { reasons.push(title.textContent.trim()); }
      }
    }
    if (!reasons.length) { reasons.push(text("failed", "That did not work.") + " (" + xhr.status + ")"); }
    return reasons;
  }

  function alertBox(reasons) {
    var box = document.createElement("div");
    box.className = "alert error request-refused";
    box.setAttribute("role", "alert");
    reasons.forEach(function (reason, i) {
      if (i) { box.appendChild(document.createElement("br")); }
      box.appendChild(document.createTextNode(reason));
    });
    return box;
  }

  function region() {
    var existing = document.getElementById("request-alerts");
    if (existing) { return existing; }
    var made = document.createElement("div");
    made.id = "request-alerts";
    made.className = "request-alerts";
    var main = document.getElementById("main") || document.body;
    main.insertBefore(made, main.firstChild);
    return made;
  }

  /* Next to the form that was sent (or the element, when it is a control of its own); one alert per place. */
  function show(elt, reasons) {
    var anchor = null;
    if (elt && elt.closest) {
      anchor = elt.closest("form") || (elt.matches("button, a, input, select, textarea") ? elt : null);
    }
    if (anchor && document.body.contains(anchor) && anchor.offsetParent !== null) {
      var before = anchor.previousElementSibling;
      if (before && before.classList.contains("request-refused")) { before.remove(); }
      var box = alertBox(reasons);
      anchor.parentNode.insertBefore(box, anchor);
      box.scrollIntoView({block: "nearest"});
      return;
    }
    var place = region();
    var shown = alertBox(reasons);
    if (place.textContent === shown.textContent) { return; }  // a poll refused again: said once is enough
    place.replaceChildren(shown);
    place.scrollIntoView({block: "nearest"});
  }

  /* Sending the form again takes its earlier refusal away (a new one comes back if it is refused again). */
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;  // here the element that sends the request
    var form = elt && elt.closest ? elt.closest("form") : null;
    var before = form ? form.previousElementSibling : null;
    if (before && before.classList.contains("request-refused")) { before.remove(); }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var xhr = detail.xhr;
    if (!xhr || xhr.status < 400) { return; }
    var verb = ((detail.requestConfig && detail.requestConfig.verb) || "get").toLowerCase();
    if (detail.boosted && verb === "get") {
      detail.shouldSwap = true;  // a navigation: the error page, under its URL, as without htmx
      return;
    }
    var errorPage = (xhr.responseText || "").indexOf("<section data-error-page>") !== -1;
    if (detail.shouldSwap && !errorPage) { return; }  // a form re-rendered with its errors (422): swapped in
    detail.shouldSwap = false;  // keep the page the person acted on
    // the element that sent the request (detail.elt is where the answer would go: the body, for a boosted form)
    show((detail.requestConfig && detail.requestConfig.elt) || detail.elt, reasonsFrom(xhr));
  });

  function unreachable(event) {
    var detail = event.detail || {};
    show((detail.requestConfig && detail.requestConfig.elt) || detail.elt,
         [text("offline", "The server could not be reached. Try again.")]);
  }
  document.addEventListener("htmx:sendError", unreachable);
  document.addEventListener("htmx:timeout", unreachable);
})();
