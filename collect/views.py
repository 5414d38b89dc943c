"""Screens of the collector: the sources screen (staff) and the `/c.js` snippet (public). Thin."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from customers import selectors as customer_selectors
from o2o_site.api import DomainError
from o2o_site.roles import Role, role_required

from . import selectors, services
from .forms import LeadFormForm, SourceForm
from .mapping import CLICK_IDS, UTM_KEYS
from .services import lead_forms

MANAGE = (Role.MANAGER, Role.MARKETING)


@role_required(*MANAGE)
def source_list(request):
    form = SourceForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            made = services.source_create(**form.cleaned_data)
        except DomainError as exc:
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            new_key = made
            form = SourceForm()
    context = {
        "title": _("Nguồn sự kiện"),
        "form": form,
        "new": new_key,
        "sources": list(selectors.source_list()),
        "conflicts": selectors.conflicts_recent(),
        "site_url": settings.SITE_URL,
    }
    return render(request, "collect/sources.html", context)


@require_POST
@role_required(*MANAGE)
def source_revoke(request, source_id: int):
    try:
        source = services.source_revoke(source_id=source_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã thu hồi khoá ghi của nguồn %(name)s.") % {"name": source.name})
    return redirect("collect:sources")


_SNIPPET = Path(settings.BASE_DIR) / "static" / "collect" / "c.js"


@require_GET
def snippet(request):
    """The tracking snippet at the site root (`/c.js`), so pages paste one short URL."""
    response = HttpResponse(_SNIPPET.read_bytes(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _lead_params(data) -> dict:
    return {k: data.get(k, "")[:200] for k in (*UTM_KEYS, *CLICK_IDS) if data.get(k)}


def lead_form(request, slug: str):
    """The public lead form of a campaign: GET shows it, POST records the lead."""
    form_def = selectors.lead_form_get_active(slug)
    if form_def is None:
        return render(request, "collect/lead_form_missing.html", {"title": _("Không tìm thấy biểu mẫu")}, status=404)
    stores = selectors.stores_for_lead_form() if form_def.ask_store else []
    text = customer_selectors.consent_texts_current().get("marketing")
    options = {"stores": stores, "interests": form_def.interest_choices}
    form = LeadFormForm(request.POST or None, initial={"token": lead_forms.form_token_make()}, **options)
    params = _lead_params(request.POST if request.method == "POST" else request.GET)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _submit(request, form_def, form.cleaned_data, text, params)
        except DomainError as exc:
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
            status = exc.status_code
        else:
            return render(request, "collect/lead_form_done.html", {"title": form_def.title, "lead_form": form_def})
    elif request.method == "POST":
        status = 400
    context = {"title": form_def.title, "lead_form": form_def, "form": form, "consent_text": text, "params": params}
    return render(request, "collect/lead_form.html", context, status=status)


def _submit(request, form_def, data: dict, text, params: dict) -> None:
    ip = request.META.get("REMOTE_ADDR")
    lead_forms.lead_form_guard(token=data["token"], honeypot=data.get("website", ""), ip=ip)
    lead = lead_forms.LeadInput(
        full_name=data["full_name"],
        phone=data["phone"],
        store_code=data.get("store", ""),
        interest=data.get("interest", ""),
        marketing_consent=bool(data.get("consent")),
        consent_text_id=text.pk if text else None,
        params=params,
    )
    lead_forms.lead_form_submit(form=form_def, lead=lead, ip=ip)
