"""Who may reach what: one row per URL pattern, written once (read by test_permission_matrix).

A row names, per HTTP method, the identities that are let through ("allow"); every other
identity must be refused (401/403, or a redirect to the login page for anonymous). Identities:

    anon       not signed in
    manager    Quản lý             marketing  Marketing        inventory  Kho hàng
    agent      Tổng đài viên       consultant Tư vấn viên
    cashier_a  Thu ngân of store A (the objects' store)
    cashier_b  Thu ngân of store B cti        the CTI integration (a CTI token, not an account)

Shorthands: "cashier" = both cashiers; "staff" = every role but the consultant; "public" = everyone, signed in or
not. `kwargs` names the object of the test world each URL parameter takes (its store is A).

Adding an endpoint or a screen? Add its row here: the test fails until you do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

IDENTITIES = ["anon", "manager", "marketing", "inventory", "agent", "consultant", "cashier_a", "cashier_b", "cti"]
ALIASES = {
    "cashier": {"cashier_a", "cashier_b"},
    "staff": {"manager", "marketing", "inventory", "agent", "cashier_a", "cashier_b"},
    "public": set(IDENTITIES),
    "signed_in": set(IDENTITIES) - {"anon", "cti"},  # the CTI holds a token, not an account
    "none": set(),
}


def expand(spec: str) -> set[str]:
    out: set[str] = set()
    for word in spec.split():
        out |= ALIASES.get(word, {word})
    unknown = out - set(IDENTITIES)
    assert not unknown, f"unknown identities {unknown} in the matrix"
    return out


@dataclass(frozen=True)
class Row:
    methods: dict[str, str]
    kwargs: dict[str, str] = field(default_factory=dict)


def row(kwargs: dict | None = None, **methods: str) -> Row:
    return Row(methods=methods, kwargs=kwargs or {})


CUSTOMER = {"pk": "pk:customer"}
TICKET = {"pk": "pk:ticket"}
SEGMENT = {"segment_id": "segment_id"}
JOURNEY = {"journey_id": "id:none"}

MATRIX: dict[str, Row] = {
    # --- o2o_site ---------------------------------------------------------------------------
    "home": row(GET="staff consultant"),  # anonymous → the login page; no role → the "no role" page (403)
    "dashboard": row(GET="manager marketing"),
    "healthz": row(GET="public"),
    "favicon": row(GET="public"),
    "login": row(GET="public", POST="public"),
    "logout": row(POST="none"),  # everyone lands on the login page: the session is over
    "set_language": row(POST="public"),
    "javascript-catalog": row(GET="public"),
    "api-auth-token": row(POST="public"),
    "api-schema": row(GET="signed_in"),
    "api-docs": row(GET="signed_in"),
    "api-redoc": row(GET="signed_in"),
    "^media/(?P<path>.*)$": row({"path": "path"}, GET="public"),  # served only with DEBUG
    # --- customers: the base is read by Manager/Marketing, searched by agents, never by cashiers
    "customers-api-list": row(GET="manager marketing agent"),  # an agent must send `q` (else 400)
    "customers-api-resolve": row(POST="manager marketing agent"),
    "customers-api-merge-candidates": row(GET="manager"),
    "customers-api-merge-undo": row({"pk": "pk:merge"}, POST="manager"),
    "customers-api-detail": row(CUSTOMER, GET="manager marketing agent", PATCH="manager agent"),
    "customers-api-contacts": row(CUSTOMER, POST="manager agent"),
    "customers-api-timeline": row(CUSTOMER, GET="manager marketing agent"),
    "customers-api-merge": row(CUSTOMER, POST="manager"),
    "customers-api-export": row(CUSTOMER, GET="manager"),
    "customers-api-erase": row(CUSTOMER, POST="manager"),
    "customers-api-consents": row(CUSTOMER, GET="manager marketing agent", POST="manager marketing agent"),
    "customers-api-points": row(CUSTOMER, GET="manager marketing agent", POST="manager"),
    "customers:list": row(GET="manager marketing agent"),
    "customers:access-log": row(GET="manager"),
    "customers:detail": row(CUSTOMER, GET="manager marketing agent"),
    "customers:consent": row(CUSTOMER, POST="manager agent"),
    "customers:contact-add": row(CUSTOMER, POST="manager agent"),
    # --- channels ---------------------------------------------------------------------------
    "channels-api-stores": row(GET="staff"),
    "channels-api-channels": row(GET="staff"),
    "channels-api-channel-orders": row({"code": "code:channel"}, POST="manager inventory"),
    # The marketplace's signature is the credential: without it, 401 for everyone.
    "channels-api-webhook": row({"code": "code:channel"}, POST="none"),
    "channels-api-products": row(GET="staff", POST="manager inventory"),
    "channels-api-product": row({"pk": "pk:product"}, GET="staff"),
    "channels-api-skus": row(GET="staff"),
    "channels-api-stock": row(GET="staff"),
    "channels-api-stock-receive": row(POST="manager inventory"),
    "channels-api-stock-adjust": row(POST="manager inventory"),
    "channels-api-stock-transfer": row(POST="manager inventory"),
    "channels-api-listings": row(GET="manager inventory marketing", POST="manager inventory"),
    "channels-api-listings-price": row(POST="manager inventory"),
    "channels-api-orders": row(GET="manager inventory agent"),  # an agent must send `q` (else 400)
    "channels-api-order": row({"number": "number"}, GET="manager inventory agent"),
    "channels-api-order-status": row({"number": "number"}, POST="manager inventory"),
    # A cashier lists the check-ins of their own stores only (checkin_list).
    "channels-api-checkins": row(GET="manager marketing cashier", POST="manager marketing cashier"),
    "channels:sync-status": row(GET="manager inventory"),
    "channels:sync-retry": row({"code": "code:channel"}, POST="manager inventory"),
    "channels:orders": row(GET="manager inventory"),
    "channels:order-detail": row({"number": "number"}, GET="manager inventory"),
    "channels:goals": row(GET="manager marketing"),
    "channels:store-qr": row({"code": "code:store"}, GET="manager inventory marketing"),
    "channels:feed": row({"code": "code:channel"}, GET="public"),  # its own token; 404 without it
    "channels:store-checkin": row({"code": "code:store"}, GET="public", POST="public"),
    "channels:store-checkin-confirm": row({"code": "code:store"}, POST="public"),
    # --- promotions -------------------------------------------------------------------------
    "promotions-quote": row(POST="manager marketing cashier"),
    "vouchers-validate": row(POST="cashier"),
    "vouchers-redeem": row(POST="cashier"),
    "vouchers-void": row({"pk": "pk:redemption"}, POST="cashier_a"),  # store B may not void store A's
    "promotions-api-counter-customer": row(GET="cashier"),
    "promotions-api-counter-otp": row(POST="cashier"),
    "promotions-api-counter-points": row(POST="cashier"),
    "voucher-list": row(GET="manager marketing", POST="manager marketing"),
    "voucher-detail": row({"pk": "pk:voucher"}, GET="manager marketing", PATCH="manager marketing"),
    "campaign-list": row(GET="manager marketing", POST="manager marketing"),
    "campaign-detail": row({"pk": "pk:campaign"}, GET="manager marketing"),
    "campaign-spends": row({"pk": "pk:campaign"}, POST="manager marketing"),
    "promotion-list": row(GET="manager marketing cashier", POST="manager marketing"),
    "promotion-detail": row({"pk": "pk:promotion"}, GET="manager marketing cashier"),
    "redemption-list": row(GET="manager marketing cashier"),  # a cashier sees their stores' only
    "redemption-detail": row({"pk": "pk:redemption"}, GET="manager marketing cashier"),
    "voucher-batch-list": row(GET="manager marketing", POST="manager marketing"),
    "voucher-batch-detail": row({"pk": "pk:batch"}, GET="manager marketing"),
    "budget-plan-list": row(GET="manager marketing", POST="manager marketing"),
    "budget-plan-detail": row({"pk": "pk:plan"}, GET="manager marketing"),
    "budget-plan-report": row({"pk": "pk:plan"}, GET="manager marketing"),
    "promotions:cashier": row(GET="cashier"),
    "promotions:cashier-check": row(POST="cashier"),
    "promotions:cashier-confirm": row(POST="cashier"),
    # The counter screen answers store B's attempt on the page itself ("not your store").
    "promotions:cashier-void": row({"pk": "pk:redemption"}, POST="cashier"),
    "promotions:cashier-customer": row(GET="cashier"),
    "promotions:overview": row(GET="manager marketing"),
    "promotions:batches": row(GET="manager marketing"),
    "promotions:voucher-public": row({"code": "code:voucher"}, GET="public"),
    "promotions:voucher-qr": row({"code": "code:voucher"}, GET="public"),
    # --- support ----------------------------------------------------------------------------
    "support-lookup": row(GET="manager agent"),
    "support-overview": row(CUSTOMER, GET="manager agent"),
    "support-satisfaction": row(GET="manager"),
    "support-ticket-list": row(GET="manager agent", POST="manager agent"),
    "support-ticket-detail": row(TICKET, GET="manager agent"),
    "support-ticket-assign": row(TICKET, POST="manager agent"),
    "support-ticket-comments": row(TICKET, POST="manager agent"),
    "support-ticket-confirm": row(TICKET, POST="manager agent"),
    "support-ticket-followup-call": row(TICKET, POST="manager agent"),
    "support-ticket-transition": row(TICKET, POST="manager agent"),
    "support-department-list": row(GET="manager agent", POST="manager"),
    "support-category-list": row(GET="manager agent", POST="manager"),
    "support-call-list": row(GET="manager agent", POST="manager agent cti"),
    "support-call-status": row({"call_id": "call_id"}, POST="manager agent cti"),
    "support:hotline": row(GET="manager agent"),
    "support:pop": row(GET="manager agent"),
    "support:call-answer": row({"pk": "pk:call"}, POST="manager agent"),
    "support:new-customer": row(GET="manager agent"),
    "support:customer": row(CUSTOMER, GET="manager agent"),
    "support:ticket-create": row(CUSTOMER, POST="manager agent"),
    "support:tickets": row(GET="manager agent"),
    "support:ticket": row(TICKET, GET="manager agent"),
    "support:ticket-action": row({"pk": "pk:ticket", "action": "action"}, POST="manager agent"),
    "support:satisfaction": row(GET="manager"),
    "support:confirm": row({"token": "token"}, GET="public"),
    "support:call-notes": row({"pk": "pk:call"}, POST="manager agent"),
    "support:call-end": row({"pk": "pk:call"}, POST="manager agent"),
    # --- channels: returns, pickups, public product and pickup pages --------------------------
    # Store B's cashier is refused a store A order once the body is valid (the body is read first).
    "channels-api-order-return": row({"number": "number"}, POST="manager inventory cashier"),
    "channels-api-pickup-collect": row(POST="manager cashier"),
    "channels:pickups": row(GET="manager inventory cashier"),
    "channels:pickup-pass": row({"token": "token"}, GET="public"),
    "channels:product-page": row({"code": "token"}, GET="public"),
    "customers:link": row({"token": "token"}, GET="public"),
    # --- collect: the event wire authenticates by its source's write key (401 without) -----------
    "collect:wire": row({"kind": "kind"}, POST="none"),
    "collect:snippet": row(GET="public"),
    "collect:lead-form": row({"slug": "slug"}, GET="public", POST="public"),
    "collect:sources": row(GET="manager marketing"),
    "collect:source-revoke": row({"source_id": "id:none"}, POST="manager marketing"),
    "collect-source-list": row(GET="manager marketing"),
    "collect-source-detail": row({"pk": "id:none"}, GET="manager marketing"),
    "collect-source-revoke": row({"pk": "id:none"}, POST="manager marketing"),
    # --- journeys and leads -------------------------------------------------------------------
    "journeys-api-list": row(GET="manager marketing"),
    "journeys-api-detail": row(JOURNEY, GET="manager marketing"),
    "journeys-api-stats": row(JOURNEY, GET="manager marketing"),
    "journeys-api-dry-run": row(JOURNEY, POST="manager marketing"),
    "journeys-api-enroll": row(JOURNEY, POST="manager marketing"),
    "journeys-api-action": row({**JOURNEY, "action": "action"}, POST="manager marketing"),
    "journeys:list": row(GET="manager marketing"),
    "journeys:new": row(GET="manager marketing"),
    "journeys:detail": row(JOURNEY, GET="manager marketing"),
    "journeys:edit": row(JOURNEY, GET="manager marketing"),
    "journeys:step-new": row(JOURNEY, GET="manager marketing"),
    "journeys:step": row({**JOURNEY, "key": "key"}, GET="manager marketing"),
    "journeys:step-delete": row({**JOURNEY, "key": "key"}, POST="manager marketing"),
    "journeys:action": row({**JOURNEY, "action": "action"}, POST="manager marketing"),
    "journeys:leads": row(GET="manager marketing consultant"),
    "journeys:visits": row(GET="manager consultant cashier"),
    "journeys:leads-report": row(GET="manager marketing"),
    "journeys:lead": row({"lead_id": "id:none"}, GET="manager marketing consultant"),
    "journeys:lead-take": row({"lead_id": "id:none"}, POST="manager consultant"),
    # --- reports ----------------------------------------------------------------------------
    "reports-api-o2o": row(GET="manager marketing"),
    "reports-api-segment-preview": row(POST="manager marketing"),
    "reports:index": row(GET="manager marketing"),
    "reports:o2o": row(GET="manager marketing"),
    "reports:offline-conversions": row(GET="manager marketing"),
    "reports:goals": row(GET="manager marketing"),
    "reports:stores": row(GET="manager marketing"),
    "reports:budget": row(GET="manager marketing"),
    "reports:segments": row(GET="manager marketing"),
    "reports:segments-recompute": row(POST="manager marketing"),
    "reports:segment-new": row(GET="manager marketing"),
    "reports:segment": row(SEGMENT, GET="manager marketing"),
    "reports:segment-edit": row(SEGMENT, GET="manager marketing"),
    "reports:segment-export": row(SEGMENT, GET="manager marketing"),
    "reports:segment-message": row(SEGMENT, POST="manager marketing"),
    "reports:segment-vouchers": row(SEGMENT, POST="manager marketing"),
    "reports:segment-progress": row(SEGMENT, GET="manager marketing"),
    "reports:message-campaign-cancel": row({"campaign_id": "campaign_id"}, POST="manager marketing"),
}

# URL patterns that exist only in some settings (DEBUG's media files).
OPTIONAL = {"^media/(?P<path>.*)$"}

# Cells not asserted (none: the CTI's own token kind is in place).
CTI_PENDING: set[tuple[str, str, str]] = set()


def admin_expectation(name: str) -> str | None:
    """The admin follows Django's model permissions, which `<app>/roles.py` declares: a changelist
    opens for the staff roles that hold the model's view or change permission."""
    from django.contrib import admin

    from o2o_site.roles import role_permissions

    staff_roles = {"manager", "marketing", "inventory"}  # the roles with is_staff (seed_demo)
    if name.startswith("admin/"):
        return "public"  # the admin's unnamed redirects to a named page, checked there
    if name in ("admin:index", "admin:login", "admin:logout", "admin:password_change", "admin:password_change_done"):
        return " ".join(sorted(staff_roles)) if name == "admin:index" else "public"
    if name in ("admin:jsi18n", "admin:view_on_site", "admin:autocomplete") or name.startswith("admin:app_list"):
        return "signed_in"
    declared = role_permissions()
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            wanted = {f"{model._meta.app_label}.{verb}_{model._meta.model_name}" for verb in ("view", "change")}
            return " ".join(sorted(r for r in staff_roles if declared.get(r, set()) & wanted)) or "none"
    return None
