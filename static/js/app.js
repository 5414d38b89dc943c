// Small progressive enhancements shared by every screen. The screens work without it.
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

// Behaviour that used to sit in inline handlers (forbidden by the Content-Security-Policy):
// <select data-autosubmit> submits its form on change; <button data-print> prints the page.
document.addEventListener("change", function (event) {
  var field = event.target.closest && event.target.closest("[data-autosubmit]");
  if (field && field.form) {
    field.form.submit();
  }
});
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) {
    window.print();
  }
});
