"""What each role may do on the collector's models: Manager and Marketing manage sources and
lead forms and read what came in; nobody edits raw events by hand."""

from o2o_site.roles import Role

_MANAGED = ["source", "leadform"]
_READ = ["rawevent", "identity", "identityconflict", "leadsubmission"]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    role: [
        *[f"collect.{action}_{model}" for model in _MANAGED for action in ("view", "add", "change")],
        *[f"collect.view_{model}" for model in _READ],
    ]
    for role in (Role.MANAGER, Role.MARKETING)
}
