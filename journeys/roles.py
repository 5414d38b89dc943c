"""What each role may do on the journeys app's models (admin); the screens check roles themselves."""

from o2o_site.roles import Role

_VIEW = ["journeys.view_journey", "journeys.view_enrollment", "journeys.view_journeyversion", "journeys.view_lead"]
_SCRIPTS = ["journeys.view_leadscript", "journeys.add_leadscript", "journeys.change_leadscript"]
ROLE_PERMISSIONS: dict[Role, list[str]] = {Role.MANAGER: _VIEW + _SCRIPTS, Role.MARKETING: _VIEW + _SCRIPTS}
