"""Registries through which higher apps plug their data into customer-wide operations.

customers sits below channels, promotions and support, so it cannot import their models.
Instead each app, in its AppConfig.ready(), says:

- `register_customer_fk("support.Ticket", "customer")`: rows that `customer_merge` moves from
  the duplicate to the survivor (and back on undo);
- `register_export("tickets", fn)`: `fn(customer) -> dict | list`, a section of the export;
- `register_erase(fn)`: `fn(customer) -> None`, removes or anonymizes that app's personal data
  about the customer (keeping financial records, unlinked from the person).

This module holds data only; it must not import any other app.
"""

from __future__ import annotations

from collections.abc import Callable

_CUSTOMER_FKS: list[tuple[str, str]] = []
_EXPORTS: dict[str, Callable] = {}
_ERASERS: list[Callable] = []


def register_customer_fk(model_label: str, field_name: str) -> None:
    """Declares `app_label.Model.field_name` a foreign key to Customer that merges must move."""
    entry = (model_label, field_name)
    if entry not in _CUSTOMER_FKS:
        _CUSTOMER_FKS.append(entry)


def register_export(section: str, fn: Callable) -> None:
    _EXPORTS[section] = fn


def register_erase(fn: Callable) -> None:
    if fn not in _ERASERS:
        _ERASERS.append(fn)


def customer_fks() -> list[tuple[str, str]]:
    return list(_CUSTOMER_FKS)


def exporters() -> dict[str, Callable]:
    return dict(_EXPORTS)


def erasers() -> list[Callable]:
    return list(_ERASERS)
