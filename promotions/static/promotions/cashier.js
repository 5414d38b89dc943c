// The counter: picking a customer's voucher fills the code and checks it; Esc clears the form.
// Everything also works without this file (the customer's codes are shown to type).
document.addEventListener("click", function (event) {
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
  form.querySelector("[name=code]").focus();
});
// After a swap, put the keyboard where the next action is.
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target.querySelector("[autofocus]");
  if (target) target.focus();
});
