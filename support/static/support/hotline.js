// Hotline keyboard and call timer. No inline handlers: the pages' Content-Security-Policy forbids them.
// "/" focuses the search box, "n" opens the new-ticket form, Ctrl+Enter (⌘+Enter) submits the
// form being typed in; the call timer counts from the answer time written on the page.
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = event.target && event.target.form;
      if (form) {
        event.preventDefault();
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "/") {
      var search = document.querySelector("form[role=search] input[name=q]");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    } else if (event.key === "n" || event.key === "N") {
      var ticketForm = document.getElementById("ticket-form");
      if (ticketForm) {
        event.preventDefault();
        ticketForm.scrollIntoView({ block: "start" });
        var first = ticketForm.querySelector("select, input:not([type=hidden]), textarea");
        if (first) first.focus();
      }
    }
  });

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var timers = document.querySelectorAll(".call-timer[data-started]");
    for (var i = 0; i < timers.length; i++) {
      var started = Date.parse(timers[i].getAttribute("data-started"));
      if (isNaN(started)) continue;
      var seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
      var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
      timers[i].textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
  });
})();
