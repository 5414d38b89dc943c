"""What each role may do on the support app's models (Django permissions, "app_label.codename").

Collected by o2o_site.roles; the groups are synced after every migrate. Cashiers get nothing
here: they may not read tickets.
"""

from o2o_site.roles import Role

_READ = ["view_department", "view_category", "view_ticket", "view_ticketevent", "view_calllog", "view_agentprofile"]
_WORK = ["add_ticket", "change_ticket", "add_ticketevent", "add_calllog", "change_calllog"]
_ADMIN = [
    "add_department",
    "change_department",
    "delete_department",
    "add_category",
    "change_category",
    "delete_category",
    "add_agentprofile",
    "change_agentprofile",
    "delete_agentprofile",
]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.AGENT: [f"support.{p}" for p in _READ + _WORK],
    Role.MANAGER: [f"support.{p}" for p in _READ + _WORK + _ADMIN],
}
