"""What each role may do on the reports app's models (Django permissions, "app_label.codename")."""

from o2o_site.roles import Role

ROLE_PERMISSIONS: dict[Role, list[str]] = {}
