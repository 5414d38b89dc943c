"""The journey builder screens (Manager, Marketing): list, settings, steps as a vertical flow with
their figures, one form per step, publish/pause/resume, the dry run. Thin: every write is a
service, every read a selector."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from o2o_site.api import DomainError
from o2o_site.roles import Role, role_required

from . import selectors, services
from .forms import STEP_FORMS, JourneySettingsForm
from .models import Journey
from .steps import REGISTRY

ROLES = (Role.MANAGER, Role.MARKETING)


def _journey_or_404(journey_id: int) -> Journey:
    journey = selectors.journey_get(journey_id)
    if journey is None:
        raise Http404(_("Không tìm thấy hành trình."))
    return journey


def _show_errors(form, exc: DomainError) -> None:
    for field, problems in (exc.fields or {}).items():
        target = field if field in form.fields else None
        for problem in problems:
            form.add_error(target, problem)
    if not exc.fields:
        form.add_error(None, str(exc.message))


@role_required(*ROLES)
def journey_list(request):
    status = request.GET.get("status", "")
    journeys = selectors.journey_list(status=status if status in Journey.Status.values else "")
    return render(
        request,
        "journeys/list.html",
        {"title": _("Hành trình chăm sóc"), "journeys": journeys, "statuses": Journey.Status.choices, "status": status},
    )


@role_required(*ROLES)
def journey_new(request):
    form = JourneySettingsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            journey = services.journey_create(user=request.user, **form.service_values())
        except DomainError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("Đã tạo bản nháp. Thêm các bước rồi bấm “Xuất bản”."))
            return redirect("journeys:detail", journey_id=journey.pk)
    return render(request, "journeys/settings.html", {"title": _("Hành trình mới"), "form": form})


@role_required(*ROLES)
def journey_edit(request, journey_id: int):
    journey = _journey_or_404(journey_id)
    initial = {
        **{f: getattr(journey, f) for f in services.authoring.EDITABLE if f != "steps"},
        "entry_segment": journey.entry_segment_id or "",
    }
    form = JourneySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.journey_update(journey=journey, **form.service_values())
        except DomainError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu cài đặt (bản nháp)."))
            return redirect("journeys:detail", journey_id=journey.pk)
    return render(request, "journeys/settings.html", {"title": journey.name, "form": form, "journey": journey})


@role_required(*ROLES)
def journey_detail(request, journey_id: int):
    journey = _journey_or_404(journey_id)
    draft_changed = bool(journey.current_version and journey.current_version.steps != journey.steps)
    return render(
        request,
        "journeys/detail.html",
        {
            "title": journey.name,
            "journey": journey,
            "stats": selectors.journey_stats(journey),
            "draft": selectors.steps_describe(journey.steps or []),
            "draft_changed": draft_changed,
            "dry_run": selectors.journey_dry_run(journey) if request.GET.get("dry_run") else None,
            "kinds": [(k, v.label) for k, v in REGISTRY.items()],
        },
    )


@role_required(*ROLES)
def journey_step(request, journey_id: int, key: str = ""):
    journey = _journey_or_404(journey_id)
    existing = next((s for s in journey.steps or [] if s.get("key") == key), None) if key else None
    if key and existing is None:
        raise Http404(_("Không tìm thấy bước này."))
    kind = existing["type"] if existing else request.GET.get("type") or request.POST.get("type", "")
    form_class = STEP_FORMS.get(kind)
    if form_class is None:
        raise Http404(_("Không có loại bước này."))
    keys = [s.get("key") for s in journey.steps or [] if s.get("key") != key]
    after = request.GET.get("after") or request.POST.get("after") or (keys[-1] if keys and not existing else "")
    initial = existing or {"key": f"{kind}-{len(journey.steps or []) + 1}"}
    form = form_class(request.POST or None, initial=initial, step_keys=keys)
    if request.method == "POST" and form.is_valid():
        try:
            services.journey_step_save(journey=journey, step=form.step(), original_key=key, after=after)
        except DomainError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu bước “%(key)s” vào bản nháp.") % {"key": form.cleaned_data["key"]})
            return redirect("journeys:detail", journey_id=journey.pk)
    return render(
        request,
        "journeys/step.html",
        {
            "title": journey.name,
            "journey": journey,
            "form": form,
            "kind": REGISTRY[kind],
            "kind_code": kind,
            "after": after,
            "editing": bool(existing),
        },
    )


@require_POST
@role_required(*ROLES)
def journey_step_delete(request, journey_id: int, key: str):
    journey = _journey_or_404(journey_id)
    try:
        services.journey_step_delete(journey=journey, key=key)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Đã xoá bước “%(key)s” khỏi bản nháp.") % {"key": key})
    return redirect("journeys:detail", journey_id=journey.pk)


ACTIONS = {
    "publish": (lambda j, u: services.journey_publish(journey=j, user=u), gettext_lazy("Đã xuất bản phiên bản mới.")),
    "pause": (lambda j, u: services.journey_pause(journey=j), gettext_lazy("Đã tạm dừng hành trình.")),
    "resume": (lambda j, u: services.journey_resume(journey=j), gettext_lazy("Hành trình chạy tiếp.")),
    "archive": (lambda j, u: services.journey_archive(journey=j), gettext_lazy("Đã kết thúc hành trình.")),
}


@require_POST
@role_required(*ROLES)
def journey_action(request, journey_id: int, action: str):
    journey = _journey_or_404(journey_id)
    if action not in ACTIONS:
        raise Http404(_("Không có thao tác này."))
    run, done = ACTIONS[action]
    try:
        run(journey, request.user)
    except DomainError as exc:
        problems = [f"{k.removeprefix('steps.')}: {' '.join(map(str, v))}" for k, v in (exc.fields or {}).items()]
        messages.error(request, " ".join([str(exc.message), *problems]))
    else:
        messages.success(request, str(done))
    return redirect("journeys:detail", journey_id=journey.pk)
