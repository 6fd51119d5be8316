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
