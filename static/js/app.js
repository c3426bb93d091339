// promoadmin's only script (no inline scripts: a strict Content-Security-Policy forbids them).
// Keyboard shortcut, copy buttons, the partner picker's keys, and running a confirmed bulk batch.
(function () {
  "use strict";

  // "/" focuses the code filter, unless the user is typing somewhere. The box offers the key only
  // where there is a keyboard to press it on; a phone keeps the page's "Any part of a code".
  var codeBox = document.querySelector("#filters #id_code");
  if (codeBox && window.matchMedia("(hover: hover) and (pointer: fine)").matches) {
    codeBox.placeholder = "Press / to search";
  }
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
    // "Copy link to this view" copies the address bar: htmx keeps it current, the page's HTML does not.
    var text = button.hasAttribute("data-copy-current-url") ? window.location.href : button.dataset.copy;
    function say(message) {
      button.textContent = message;
      window.clearTimeout(button._restoreTimer);
      button._restoreTimer = window.setTimeout(function () { button.textContent = original; }, 1800);
    }
    copyText(text).then(
      function () { say(button.dataset.copied || "Copied"); },
      function () { say("Copy failed"); }
    );
  });

  // Focus after a swap is the server's: it renders autofocus, and htmx focuses it. Elsewhere in the
  // picker fields htmx keeps focus on the element with the same id; after picking a partner option
  // (gone with the swap), focus the next field to fill.
  document.addEventListener("htmx:afterSettle", function (event) {
    var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.target && event.detail.target.id === "lookup-fields" && trigger && trigger.classList.contains("js-picker-option")) {
      var next = document.getElementById("id_deal_id") || document.getElementById("id_assigned_partner_id");
      if (next) next.focus();
    }
  });

  // Partner type-ahead: arrow keys move between the search box and the options, Escape closes
  // them, and they close when focus leaves the picker. Picking is an htmx request (hx-vals).
  function pickerOptions(picker) {
    return Array.prototype.slice.call(picker.querySelectorAll("button.js-picker-option"));
  }

  function closePicker(picker) {
    var list = picker.querySelector(".picker-options");
    if (list) list.innerHTML = "";
  }

  document.addEventListener("keydown", function (event) {
    var picker = event.target.closest && event.target.closest(".partner-picker");
    if (!picker) return;
    var options = pickerOptions(picker);
    var search = picker.querySelector(".js-partner-search");
    var index = options.indexOf(event.target);
    if (event.key === "Escape" && (options.length || index >= 0)) {
      event.preventDefault();
      closePicker(picker);
      if (search) search.focus();
    } else if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      options[Math.min(index + 1, options.length - 1)].focus();
    } else if (event.key === "ArrowDown" && event.target === search && window.htmx) {
      event.preventDefault();
      window.htmx.trigger(search, "picker:open");  // opens the list (hx-trigger on the search box)
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      if (index === 0 && search) search.focus(); else options[index - 1].focus();
    }
  });

  document.addEventListener("focusout", function (event) {
    var picker = event.target.closest && event.target.closest(".partner-picker");
    if (!picker) return;
    window.setTimeout(function () {
      if (!picker.contains(document.activeElement)) closePicker(picker);
    }, 150);
  });

  // Regex helpers on the create form: the starts-with / ends-with templates and the one-click
  // fixes put a pattern in Code and choose Regex; their input and change events make htmx re-run
  // the tester (#live-checks).
  function escapeRegex(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function usePattern(pattern) {
    var code = document.getElementById("id_code");
    if (!code) return;
    var regex = document.querySelector("#promo-code-form input[name=type][value=RE]");
    if (regex && !regex.checked) {
      regex.checked = true;
      regex.dispatchEvent(new Event("change", { bubbles: true }));
    }
    code.value = pattern;
    code.dispatchEvent(new Event("input", { bubbles: true }));
    code.focus();
  }

  document.addEventListener("click", function (event) {
    var template = event.target.closest && event.target.closest(".js-regex-template");
    if (template) {
      var affix = document.getElementById("regex-affix");
      var text = affix ? affix.value.trim() : "";
      if (!text) {
        if (affix) affix.focus();
        return;
      }
      var escaped = escapeRegex(text);
      usePattern(template.dataset.template === "ends" ? "^.*" + escaped + "$" : "^" + escaped + ".*$");
      return;
    }
    var fix = event.target.closest && event.target.closest(".js-regex-fix");
    if (fix) usePattern(fix.dataset.pattern);
  });

  // Choosing a deal fills the deal name, unless the user typed one of their own.
  // (The server does the same at submit when the name is left empty.)
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.classList || !select.classList.contains("js-deal-select")) return;
    var name = document.getElementById("id_deal_name");
    if (!name) return;
    var option = select.options[select.selectedIndex];
    var dealName = (option && option.dataset.dealName) || "";
    if (name.value === "" || name.value === name.dataset.filledFromDeal) {
      name.value = dealName;
      name.dataset.filledFromDeal = dealName;
    }
    var summary = document.getElementById("deal-summary");
    if (summary && option && option.dataset.dealSummary) summary.textContent = option.dataset.dealSummary;
  });

  // An error swapped into #alerts (marked data-transient by the server) is stale once a later
  // request works: remove it then. htmx cannot know that a success makes an earlier error stale.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) return;
    document.querySelectorAll("#alerts [data-transient]").forEach(function (alert) { alert.remove(); });
  });

  // After an expire swaps a table row, focus its new status (the button is gone). Still a script:
  // the row's markup is built by the promo_code_row tag, which autofocus would have to change.
  document.addEventListener("htmx:afterSwap", function (event) {
    // htmx fires afterSwap on each new element (event.target); event.detail.elt is the form that asked.
    var row = event.target;
    if (row && row.tagName === "TR" && row.isConnected) {
      var status = row.querySelector("[role=status]");
      if (status) { status.setAttribute("tabindex", "-1"); status.focus(); }
      else if (row.querySelector("a")) row.querySelector("a").focus();
    }
  });
})();

// Bulk expire and bulk create: row selection on the list, and running a confirmed batch one
// request at a time so each row shows its own result as it happens (a plain POST of the same
// form runs the whole batch server-side when this script is missing).
(function () {
  "use strict";

  function selectable() {
    return Array.prototype.slice.call(document.querySelectorAll('input[type=checkbox][form="bulk-expire-form"]'));
  }

  function updateSelection() {
    var boxes = selectable();
    var checked = boxes.filter(function (box) { return box.checked; }).length;
    document.querySelectorAll(".js-bulk-selected").forEach(function (button) {
      button.disabled = checked === 0;
      button.textContent = checked ? "Expire " + checked + " selected…" : "Expire selected…";
    });
    document.querySelectorAll(".js-needs-selection").forEach(function (button) {
      button.disabled = checked === 0;  // Change dates…, Apply deal…, Reactivate…: nothing to act on yet
    });
    var active = boxes.filter(function (box) { return !box.dataset.inactive; });
    var activeChecked = active.filter(function (box) { return box.checked; }).length;
    document.querySelectorAll(".js-select-all").forEach(function (all) {
      all.checked = active.length > 0 && activeChecked === active.length;
      all.indeterminate = activeChecked > 0 && activeChecked < active.length;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("js-select-all")) {
      // "Select all active codes": an inactive row's box (there for Reactivate…) is ticked by hand only.
      selectable().forEach(function (box) { if (!box.dataset.inactive) box.checked = target.checked; });
    }
    if (target.matches && target.matches('input[type=checkbox][form="bulk-expire-form"], .js-select-all')) {
      updateSelection();
    }
  });
  document.addEventListener("DOMContentLoaded", updateSelection);
  document.addEventListener("htmx:afterSettle", updateSelection);

  // Each result cell says its outcome in words (data-label, from the server's Outcome.label); a row
  // still waiting, or being sent when the batch stopped, was not sent.
  function summary(rows) {
    var counts = {};
    rows.forEach(function (row) {
      var cell = row.querySelector("[data-outcome]");
      var label = cell && cell.dataset.label ? cell.dataset.label : "not sent";
      counts[label] = (counts[label] || 0) + 1;
    });
    return Object.keys(counts).map(function (label) { return counts[label] + " " + label; }).join(", ");
  }

  function runBatch(form) {
    var tbody = document.getElementById(form.dataset.rows);
    var progress = document.getElementById(form.dataset.progress);
    var rows = Array.prototype.slice.call(tbody.querySelectorAll("tr[data-bulk-url]"));
    var batch = form.querySelector("input[name=batch]");
    // Overlap warnings: the server sends nothing unless each request says the box was ticked.
    var confirmBox = form.querySelector("input[name=confirm_overlap]");
    var confirmed = confirmBox && confirmBox.checked ? confirmBox.value : "";
    var submit = form.querySelector("button[type=submit]");
    var stop = form.querySelector(".js-bulk-stop");
    var cancel = form.querySelector(".js-bulk-cancel");
    var bar = progress.querySelector("progress");
    var text = progress.querySelector(".js-progress-text");
    var stopped = false;
    var done = 0;

    submit.disabled = true;
    if (confirmBox) confirmBox.disabled = true;
    if (cancel) cancel.hidden = true;
    document.querySelectorAll(".js-not-sent").forEach(function (note) { note.hidden = true; });
    if (stop) {
      stop.hidden = false;
      stop.onclick = function () { stopped = true; stop.disabled = true; stop.textContent = "Stopping…"; };
    }
    bar.max = rows.length;
    text.textContent = "0 of " + rows.length + " done";
    progress.hidden = false;
    window.onbeforeunload = function () { return "Requests are still being sent."; };

    function finish(reason) {
      window.onbeforeunload = null;
      if (stop) stop.hidden = true;
      submit.hidden = true;
      if (cancel) {
        cancel.textContent = cancel.dataset.doneLabel || "Back";
        if (cancel.dataset.doneHref) cancel.href = cancel.dataset.doneHref;
        cancel.hidden = false;
      }
      text.textContent = (reason ? reason + " " : "Finished: ") + summary(rows) + ".";
      var heading = document.querySelector("h1[data-done-text]");
      if (heading) heading.textContent = heading.dataset.doneText;
      text.focus();
    }

    function next(index) {
      if (index >= rows.length) { finish(""); return; }
      if (stopped) { finish("Stopped. So far:"); return; }
      var row = rows[index];
      var cell = row.querySelector("[data-outcome]");
      cell.dataset.outcome = "sending";
      cell.textContent = "Sending…";
      var values = row.dataset.bulkToken ? { row_token: row.dataset.bulkToken } : { batch: batch.value };
      if (confirmed) values.confirm_overlap = confirmed;
      var after = function () {
        done += 1;
        bar.value = done;
        text.textContent = done + " of " + rows.length + " done";
        var result = row.querySelector("[data-outcome]");
        if (result && result.dataset.stop) { stopped = true; finish("Stopped at an error. So far:"); return; }
        next(index + 1);
      };
      window.htmx.ajax("POST", row.dataset.bulkUrl, { source: row, target: cell, swap: "outerHTML", values: values })
        .then(after, function () {
          cell.dataset.outcome = "failed";
          cell.dataset.label = "failed";
          cell.textContent = "No answer from promoadmin";
          stopped = true;
          after();
        });
    }
    next(0);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form.js-bulk-run");
    if (!form || !window.htmx) return;  // without htmx the form posts and the server runs the batch
    event.preventDefault();
    var confirmBox = form.querySelector("input[name=confirm_overlap]");
    if (confirmBox && !confirmBox.checked) {  // `required` normally stops the submit before this
      confirmBox.reportValidity();
      confirmBox.focus();
      return;
    }
    runBatch(form);
  });
})();
