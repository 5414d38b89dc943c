"""The journeys rows that are a customer's personal data: exported with them, gone when erased."""

from .models import Enrollment


def customer_journeys_export(customer) -> list[dict]:
    return [
        {"journey": name, "status": status, "entered_at": entered.isoformat(), "exit_reason": reason}
        for name, status, entered, reason in Enrollment.objects.filter(customer=customer)
        .order_by("entered_at")
        .values_list("journey__name", "status", "entered_at", "exit_reason")
    ]


def customer_journeys_erase(customer) -> None:
    # An erased customer leaves every journey at once: nothing more is sent.
    from .services import enrollments_exit

    open_ids = Enrollment.objects.filter(customer=customer, status__in=["active", "holdout"]).values_list(
        "pk", flat=True
    )
    enrollments_exit(enrollment_ids=list(open_ids), reason="erased")
