from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .api import NotFound
from .dashboard import headlines_for
from .errors import error_response, too_large_message
from .health import run_checks
from .navigation import items_for
from .roles import ROLE_HOME, Role, has_role, primary_role, role_required


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
    """`ok` (200) or `unavailable` (503) for anyone, e.g. a load balancer. Signed-in staff also
    get each check's details (database vendor, timings, errors, late periodic work) and
    `degraded` when background work is late (still 200: the node serves)."""
    status, checks = run_checks()
    code = 503 if status == "unavailable" else 200
    if not _is_staff(request):
        return JsonResponse({"status": "unavailable" if code == 503 else "ok"}, status=code)
    return JsonResponse({"status": status, **checks}, status=code)


def _is_staff(request) -> bool:
    """Signed-in staff (admin access, or the Manager role), read without failing: the session lives in the database that may be down."""
    try:
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated and (user.is_staff or has_role(user, Role.MANAGER)))
    except DatabaseError:
        return False


# Django's error handlers: the error body under /api/, the Vietnamese page elsewhere.


def handler400(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, status=413, code="too_large", message=too_large_message())
    return error_response(request, status=400, code="malformed", message=_("Yêu cầu không hợp lệ."))


def handler403(request, exception=None):
    return error_response(
        request, status=403, template="403.html", code="permission_denied", message=_("Bạn không có quyền.")
    )


def handler404(request, exception=None):
    # A selector's NotFound carries a sentence for people; Django's own Http404 text is for developers.
    message = exception.message if isinstance(exception, NotFound) else ""
    return error_response(
        request, status=404, template="404.html", code="not_found", message=message or _("Không tìm thấy địa chỉ này.")
    )


def handler500(request):
    return error_response(
        request, status=500, template="500.html", code="server_error", message=_("Lỗi máy chủ, vui lòng thử lại.")
    )
