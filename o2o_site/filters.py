"""Filters every API list shares, bounded so that no query-string value can end in a 500.

`DateTimeFilter` / `IsoDateTimeFilter` are django-filter's, with a field that refuses a UTC offset
beyond ±14:00 (the widest in use on Earth; PostgreSQL refuses ±16:00 and up with a DataError) and
a moment that leaves Python's datetime range once moved to UTC. `FilterSet` uses them for the
model DateTimeFields named in `Meta.fields`. Use these instead of django_filters' own.
"""

from __future__ import annotations

from datetime import UTC, timedelta

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

MAX_UTC_OFFSET = timedelta(hours=14)


class _BoundedOffset:
    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        offset = moment.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError(_("Múi giờ phải trong khoảng -14:00 đến +14:00."), code="invalid")
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(_("Thời điểm nằm ngoài phạm vi cho phép."), code="invalid")
        return moment


class BoundedDateTimeField(_BoundedOffset, forms.DateTimeField):
    pass


class BoundedIsoDateTimeField(_BoundedOffset, IsoDateTimeField):
    pass


class DateTimeFilter(django_filters.DateTimeFilter):
    field_class = BoundedDateTimeField


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class FilterSet(django_filters.FilterSet):
    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.DateTimeField: {"filter_class": IsoDateTimeFilter},
    }
