// promoadmin's only script (no inline scripts: a strict Content-Security-Policy forbids them).
// Keyboard shortcut, copy buttons, and focus management after htmx swaps.
(function () {
  "use strict";

  // "/" focuses the code filter, unless the user is typing somewhere.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    var codeFilter = document.getElementById("id_code");
    if (codeFilter && codeFilter.closest("#filters")) {
      event.preventDefault();
      codeFilter.focus();
      codeFilter.select();
    }
  });

  // Copy buttons: data-copy holds the text; the button says so for a moment.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain-HTTP intranet hosts have no clipboard API: fall back to a hidden textarea.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-copy");
    if (!button) return;
    var original = button.dataset.label || button.textContent;
    button.dataset.label = original;
    copyText(button.dataset.copy).then(
      function () { button.textContent = button.dataset.copied || "Copied"; },
      function () { button.textContent = "Copy failed"; }
    );
    window.setTimeout(function () { button.textContent = original; }, 1800);
  });

  // Focus lands somewhere sensible after a swap.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target) return;
    var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (target.id === "results") {
      // Filters keep focus where the user is typing; pagination and refresh move it to the results.
      if (!trigger || !trigger.closest("#filters")) {
        var heading = document.getElementById("results-heading");
        if (heading) heading.focus({ preventScroll: false });
      }
    } else if (target.id === "promo-code-form" || (target.closest && target.closest("#promo-code-form"))) {
      var form = document.getElementById("promo-code-form");
      var invalid = form && form.querySelector("[aria-invalid=true]");
      var summary = document.getElementById("form-errors");
      (invalid || summary || form).focus();
    } else if (target.id === "alerts") {
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });

  // After an expire swaps a table row, focus its new status (the button is gone).
  document.addEventListener("htmx:afterSwap", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.tagName === "TR") {
      var status = elt.querySelector("[role=status], a");
      if (status) { status.setAttribute("tabindex", "-1"); status.focus(); }
    }
  });
})();
