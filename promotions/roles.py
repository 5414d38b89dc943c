"""What each role may do on the promotions app's models (Django permissions, "app_label.codename").

Collected by o2o_site.roles; the groups are synced after every migrate.
"""

from o2o_site.roles import Role

ROLE_PERMISSIONS: dict[Role, list[str]] = {}
