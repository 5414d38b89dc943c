"""Screens of the collector: the sources screen (staff) and the `/c.js` snippet (public). Thin."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from o2o_site.api import DomainError
from o2o_site.roles import Role, role_required

from . import selectors, services
from .forms import SourceForm

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
