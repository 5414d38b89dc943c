"""Signing in and staying signed in: login throttling (django-axes) and idle session expiry.

- Every password check (the staff login, the admin login, `POST /api/v1/auth/token/`) goes
  through django-axes: after `LOGIN_FAILURE_LIMIT` failures for one account, or from one
  address, further tries are refused for a cool-off that doubles with every further failure
  (`LOGIN_COOLOFF_MINUTES`, 15 by default, at most a day). The user is told so in Vietnamese;
  axes logs each lockout and keeps the attempts in its tables (admin: Axes).
- Tills share machines: a staff session ends after an idle time (`SESSION_IDLE_MINUTES`, per
  role; a cashier's 30 minutes by default) and at logout.

This module holds no business rules; it adapts axes to our answers and reads settings.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth.views import redirect_to_login
from django.db.models import Max, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import DomainError, error_body

MAX_COOLOFF = timedelta(days=1)


# --- axes hooks -----------------------------------------------------------------------------


def _failures(request) -> int:
    """The failure count axes holds for this request's account or address."""
    known = getattr(request, "axes_failures_since_start", None)
    if known is not None:
        return int(known)
    from axes.models import AccessAttempt

    username = (request.POST.get("username") or "")[:150] if request.method == "POST" else ""
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    condition = Q(ip_address=address) if address else Q(pk__in=[])
    if username:
        condition |= Q(username=username)
    found = AccessAttempt.objects.filter(condition).aggregate(most=Max("failures_since_start"))["most"]
    return int(found or 0)


def login_cooloff(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: the base cool-off, doubled for every failure past the limit."""
    base = timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    if request is None:
        return base
    over = max(0, _failures(request) - settings.AXES_FAILURE_LIMIT)
    return min(base * (2 ** min(over, 16)), MAX_COOLOFF)


def _minutes(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() // 60))


def lockout_response(request, original_response=None, credentials=None, *args):
    """AXES_LOCKOUT_CALLABLE: tells the user, in Vietnamese, how long to wait (429)."""
    minutes = _minutes(login_cooloff(request))
    message = _(
        "Đăng nhập sai quá nhiều lần. Tài khoản hoặc máy này tạm bị khoá %(minutes)s phút; "
        "hãy thử lại sau hoặc nhờ quản lý mở khoá."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        body = error_body("login_locked", message, retry_after=minutes * 60)
        response = JsonResponse(body, status=429, json_dumps_params={"ensure_ascii": False})
        response["Retry-After"] = str(minutes * 60)
        return response
    if request.path.startswith("/admin/"):
        return render(request, "registration/locked.html", {"message": message}, status=429)
    return render(request, "registration/login.html", {"locked_message": message}, status=429)


# --- the API's password login ---------------------------------------------------------------


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class AuthTokenApi(APIView):
    """POST /api/v1/auth/token/ {"username", "password"} → {"token"} for `Authorization: Token …`.

    The same throttle as the login page (django-axes): a locked account or address answers 429.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenInput, responses={200: dict})
    def post(self, request):
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        # axes watches the Django request (DRF's wrapper would hide its marks from it).
        django_request = request._request
        user = authenticate(request=django_request, **data.validated_data)
        if getattr(django_request, "axes_locked_out", False):
            return lockout_response(django_request)
        if user is None or not user.is_active:
            raise DomainError(
                _("Tên đăng nhập hoặc mật khẩu không đúng."), code="authentication_failed", status_code=401
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


# --- idle sessions --------------------------------------------------------------------------

SESSION_SEEN = "o2o.last_seen"


def idle_limit_minutes(user) -> int | None:
    """The shortest idle time of the user's roles (`SESSION_IDLE_MINUTES`); None: no limit."""
    from .roles import user_roles

    limits = settings.SESSION_IDLE_MINUTES
    mine = [limits[role] for role in user_roles(user) if limits.get(role)]
    if not mine and user.is_authenticated and limits.get("default"):
        mine = [limits["default"]]
    return min(mine) if mine else None


class IdleSessionMiddleware:
    """Ends a staff session that has been idle longer than its role allows (a shared till).

    API calls with a token carry no session and are not affected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            limit = idle_limit_minutes(user)
            now = int(time.time())
            seen = request.session.get(SESSION_SEEN)
            if limit and seen and now - int(seen) > limit * 60:
                logout(request)
                if request.path.startswith("/api/"):
                    message = _("Phiên làm việc đã hết hạn do không hoạt động. Vui lòng đăng nhập lại.")
                    return JsonResponse(
                        error_body("session_expired", message), status=401, json_dumps_params={"ensure_ascii": False}
                    )
                login = redirect_to_login(request.get_full_path(), login_url=reverse("login") + "?idle=1")
                if getattr(request, "htmx", False):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = login["Location"]
                    return response
                return login
            # Written at most once a minute, so most requests do not save the session.
            if not seen or now - int(seen) >= 60:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)
