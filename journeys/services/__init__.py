"""Every write of the journeys app, one module per use-case family; the public names are here."""

from .authoring import (
    ENTRY_EVENTS,
    JourneyInvalid,
    journey_archive,
    journey_create,
    journey_pause,
    journey_publish,
    journey_resume,
    journey_step_delete,
    journey_step_save,
    journey_update,
)
from .entry import (
    enrollments_exit,
    is_holdout,
    journey_enter,
    journeys_enter_from_events,
    journeys_enter_from_segments,
)
from .leads import (
    lead_assign,
    lead_open,
    lead_record_outcome,
    lead_take,
    lead_visible_to,
    leads_convert,
    leads_reassign_overdue,
    working_deadline,
)
from .run import due_steps_run, enrollments_convert, journeys_tick, quiet_until

__all__ = [
    "ENTRY_EVENTS",
    "JourneyInvalid",
    "due_steps_run",
    "enrollments_convert",
    "enrollments_exit",
    "is_holdout",
    "journey_archive",
    "journey_create",
    "journey_enter",
    "journey_pause",
    "journey_publish",
    "journey_resume",
    "journey_step_delete",
    "journey_step_save",
    "journey_update",
    "journeys_enter_from_events",
    "journeys_enter_from_segments",
    "journeys_tick",
    "lead_assign",
    "lead_open",
    "lead_record_outcome",
    "lead_take",
    "lead_visible_to",
    "leads_convert",
    "leads_reassign_overdue",
    "working_deadline",
    "quiet_until",
]
