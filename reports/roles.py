"""What each role may do on the reports app's models (Django permissions, "app_label.codename").

The /reports/ screens themselves are guarded by role (Manager, Marketing); these permissions
are for the admin's read-only views of scores and message campaigns."""

from o2o_site.roles import Role

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.MANAGER: ["reports.view_customerscore", "reports.view_segmentmessagecampaign"],
    Role.MARKETING: ["reports.view_customerscore", "reports.view_segmentmessagecampaign"],
}
