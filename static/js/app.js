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
