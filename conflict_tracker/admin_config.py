from django.contrib.admin.apps import AdminConfig


class ConflictTrackerAdminConfig(AdminConfig):
    """Django's admin on the project's site (conflict_tracker.admin.AdminSite): editors and admins only."""

    default_site = "conflict_tracker.admin.AdminSite"
