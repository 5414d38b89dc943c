"""What each role may do on the journeys app's models (admin); the screens check roles themselves."""

from o2o_site.roles import Role

_ALL = ["journeys.view_journey", "journeys.view_enrollment", "journeys.view_journeyversion"]
ROLE_PERMISSIONS: dict[Role, list[str]] = {Role.MANAGER: _ALL, Role.MARKETING: _ALL}
