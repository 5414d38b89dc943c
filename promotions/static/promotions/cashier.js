// The counter: picking a customer's voucher fills the code and checks it; Esc clears the form;
// the total box says live what it understood (or why it cannot be charged); a lockout counts
// down; the receipt prints. Everything also works without this file (the server checks it all).
(function () {
  "use strict";
  var messages = {};
  var source = document.getElementById("amount-messages");
  if (source) {
    try {
      messages = JSON.parse(source.textContent);
    } catch (e) {
      messages = {};
    }
  }

  function sentence(result) {
    var text = messages[result.code] || messages.characters || "";
    return text.replace("%(raw)s", result.raw || "");
  }

  // The total box: "Hiểu là: 1.250.000 ₫" or the refusal, before anything is sent.
  function echoAmount(input) {
    var echo = document.querySelector(input.dataset.echo);
    if (!echo) return;
    echo.textContent = "";
    input.setCustomValidity("");
    if (!input.value.trim()) return;
    var result = window.O2OMoney.parseVnd(input.value);
    var line = document.createElement("span");
    if (result.code) {
      line.className = "error";
      line.textContent = sentence(result);
      input.setCustomValidity(line.textContent);
    } else if (result.value <= 0) {
      line.className = "error";
      line.textContent = input.dataset.zero || sentence({ code: "required" });
      input.setCustomValidity(line.textContent);
    } else {
      line.className = "ok";
      line.textContent = (input.dataset.understood || "%s").replace("%s", window.O2OMoney.formatVnd(result.digits));
    }
    echo.appendChild(line);
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-amount]")) echoAmount(event.target);
  });
  document.querySelectorAll("[data-amount]").forEach(echoAmount);

  // An invalid total is refused here too: say why where the cashier is looking.
  document.addEventListener(
    "invalid",
    function (event) {
      if (event.target.matches && event.target.matches("[data-amount]")) {
        event.preventDefault();
        echoAmount(event.target);
        event.target.focus();
      }
    },
    true
  );

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-autosubmit]")) event.target.form.submit();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    var button = event.target.closest(".pick-voucher");
    if (!button) return;
    var form = document.getElementById("counter-form");
    form.querySelector("[name=code]").value = button.dataset.code;
    form.querySelector("[name=customer]").value = button.dataset.customer || "";
    form.requestSubmit();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var form = document.getElementById("counter-form");
    if (!form) return;
    form.reset();
    var result = document.getElementById("counter-result");
    if (result) result.innerHTML = "";
    form.querySelectorAll("[data-amount]").forEach(echoAmount);
    form.querySelector("[name=code]").focus();
  });

  // The lockout after failed codes: count down, keep "Kiểm tra" off until it is over.
  function countdown(root) {
    (root || document).querySelectorAll("[data-countdown]").forEach(function (node) {
      if (node.dataset.running) return;
      node.dataset.running = "1";
      var left = parseInt(node.dataset.countdown, 10) || 0;
      var submit = document.querySelector("#counter-form button[type=submit]");
      if (submit) submit.disabled = true;
      var tick = function () {
        if (!node.isConnected) {
          if (submit) submit.disabled = false;
          return;
        }
        if (left <= 0) {
          node.textContent = node.dataset.done || "";
          if (submit) submit.disabled = false;
          return;
        }
        node.textContent = (node.dataset.template || "%s").replace("%s", String(left));
        left -= 1;
        window.setTimeout(tick, 1000);
      };
      tick();
    });
  }
  countdown(document);

  // After a swap, put the keyboard where the next action is: a checked code asks for the total.
  document.addEventListener("htmx:afterSwap", function (event) {
    countdown(event.detail.target);
    var next = event.detail.target.querySelector("[data-focus]");
    var target = next ? document.querySelector(next.dataset.focus) : event.detail.target.querySelector("[autofocus]");
    if (target) target.focus();
  });
})();
