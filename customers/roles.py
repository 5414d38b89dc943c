"""What each role may do on the customers app's models (Django permissions, "app_label.codename").

Collected by o2o_site.roles; the groups are synced after every migrate.
"""

from o2o_site.roles import Role

_VIEW = [
    "customers.view_customer",
    "customers.view_contactpoint",
    "customers.view_consentstate",
    "customers.view_consentevent",
    "customers.view_activity",
    "customers.view_pointsentry",
    "customers.view_segment",
    "customers.view_segmentmembership",
    "customers.view_message",
]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.MANAGER: [
        *_VIEW,
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_mergecandidate",
        "customers.change_mergecandidate",
        "customers.view_mergerecord",
        "customers.change_mergerecord",
        "customers.view_blockedidentifier",
        "customers.add_blockedidentifier",
        "customers.change_blockedidentifier",
        "customers.view_consenttext",
        "customers.add_consenttext",
        "customers.change_consenttext",
        "customers.change_segment",
        "customers.add_segment",
        "customers.view_accesslog",
    ],
    Role.MARKETING: [*_VIEW, "customers.view_consenttext", "customers.change_segment", "customers.add_segment"],
    Role.AGENT: ["customers.view_customer", "customers.view_activity", "customers.view_consentstate"],
}
