from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .api import NotFound, error_body
from .dashboard import headlines_for
from .health import check_broker, check_database, check_periodic
from .navigation import items_for
from .roles import ROLE_HOME, Role, primary_role, role_required


@login_required
def home(request):
    """Sends each role to its main screen."""
    role = primary_role(request.user)
    if role is None:
        return render(request, "o2o_site/no_role.html", status=403)
    try:
        return redirect(reverse(ROLE_HOME[Role(role)]))
    except NoReverseMatch:
        return redirect("dashboard")


@role_required(Role.MANAGER, Role.MARKETING)
def dashboard(request):
    """Today's headline figures (for a manager), then the screens the user may open."""
    return render(
        request,
        "o2o_site/dashboard.html",
        {"headlines": headlines_for(request.user), "shortcuts": items_for(request.user), "today": timezone.localdate()},
    )


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; without this each first visit logs a 404."""
    return redirect(static("favicon.svg"), permanent=True)


@never_cache
@require_GET
def healthz(request):
    checks = {"database": check_database(), "broker": check_broker()}
    healthy = all(c["ok"] for c in checks.values())
    # Late background work degrades the answer (staff detail) without failing the node.
    checks["periodic"] = check_periodic() if healthy else {"ok": False, "skipped": True}
    state = "ok" if checks["periodic"]["ok"] else "degraded"
    return JsonResponse({"status": state if healthy else "unavailable", **checks}, status=200 if healthy else 503)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    # A selector's NotFound carries a sentence for people; Django's own Http404 text is for developers.
    message = exception.message if isinstance(exception, NotFound) else ""
    if _wants_json(request):
        return JsonResponse(error_body("not_found", message or _("Không tìm thấy địa chỉ này.")), status=404)
    return render(request, "404.html", {"message": message}, status=404)


def handler500(request):
    if _wants_json(request):
        return JsonResponse(error_body("server_error", "Lỗi máy chủ, vui lòng thử lại."), status=500)
    return render(request, "500.html", status=500)


def handler403(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("permission_denied", "Bạn không có quyền."), status=403)
    return render(request, "403.html", status=403)
