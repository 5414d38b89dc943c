// Small progressive enhancements shared by every screen. The screens work without it.
// No inline handlers anywhere: a Content-Security-Policy without 'unsafe-inline' must keep working.
(function () {
  "use strict";

  document.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "htmx-error";
      box.className = "msg msg-error";
      box.setAttribute("role", "alert");
      document.querySelector("main").prepend(box);
    }
    box.textContent = "Không thể tải dữ liệu (" + event.detail.xhr.status + "). Vui lòng thử lại.";
  });

  // On a phone each table row is shown as a card (app.css); every cell gets its column's name,
  // and the table keeps its roles for screen readers (CSS `display` would otherwise drop them).
  function labelTables(root) {
    var tables = (root || document).querySelectorAll("table:not(.keep-table)");
    Array.prototype.forEach.call(tables, function (table) {
      var heads = table.tHead && table.tHead.rows.length ? table.tHead.rows[table.tHead.rows.length - 1].cells : [];
      var names = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
      table.setAttribute("role", "table");
      Array.prototype.forEach.call(table.rows, function (row) {
        row.setAttribute("role", "row");
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var header = cell.tagName === "TH";
          cell.setAttribute("role", header ? (row.parentNode === table.tHead ? "columnheader" : "rowheader") : "cell");
          if (!header && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", names[column] || "");
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }

  // The ☰ menu on small screens: a real button that says whether the menu is open.
  function setUpMenu() {
    var button = document.querySelector(".nav-toggle");
    var menu = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) return;
    function setOpen(open, focusButton) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
      if (!open && focusButton) button.focus();
    }
    button.hidden = false;
    document.documentElement.classList.add("js-menu");
    setOpen(false);
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      setOpen(open);
      if (open) {
        var first = menu.querySelector("a");
        if (first) first.focus();
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false, true);
      }
    });
  }

  // Selects that submit their form on change (the language picker) say so with data-autosubmit.
  function setUpAutosubmit() {
    document.addEventListener("change", function (event) {
      var el = event.target;
      if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
    });
    // Buttons that print the page (a store's QR poster, a receipt) say so with data-print.
    document.addEventListener("click", function (event) {
      var el = event.target.closest && event.target.closest("[data-print]");
      if (el) window.print();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    labelTables(document);
    setUpMenu();
    setUpAutosubmit();
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    labelTables(event.target);
  });
})();
