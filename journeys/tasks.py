"""Celery tasks of the journeys app: thin, idempotent wrappers over services."""

from celery import shared_task

from . import services


@shared_task(name="journeys.tick")
def journeys_tick() -> dict:
    return services.journeys_tick()


@shared_task(name="journeys.enter")
def journeys_enter() -> int:
    return services.journeys_enter_from_segments() + services.journeys_enter_from_events()
