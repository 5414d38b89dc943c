"""API authentication for the CTI: a CTI token authenticates as a principal with no user and no
role, and CallPostOrRole lets it run only the call endpoints' CTI actions."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from o2o_site.roles import HasRole

from ..cti import cti_token_for_key
from ..models import CtiToken

KEYWORD = b"token"


class CtiPrincipal(AnonymousUser):
    """Who a CTI request is: no user, no role, no permission."""

    def __init__(self, token: CtiToken):
        self.token = token
        self.username = f"cti:{token.name}"

    def __str__(self) -> str:
        return self.username


class CtiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token cti_…`. Answers None for any other key, so an agent's DRF token
    (the older CTI set-up) is still checked by TokenAuthentication after it."""

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if len(auth) != 2 or auth[0].lower() != KEYWORD:
            return None
        try:
            key = auth[1].decode()
        except UnicodeError:
            return None
        token = cti_token_for_key(key)
        if token is None:
            return None
        return CtiPrincipal(token), token

    def authenticate_header(self, request):
        return "Token"


def is_cti(request) -> bool:
    return isinstance(getattr(request, "auth", None), CtiToken)


class CallPostOrRole(BasePermission):
    """A CTI token may run only the view's `cti_actions`; people need the view's roles (HasRole)."""

    message = HasRole.message

    def has_permission(self, request, view) -> bool:
        if is_cti(request):
            return getattr(view, "action", None) in getattr(view, "cti_actions", ())
        return HasRole().has_permission(request, view)
