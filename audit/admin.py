from django.contrib import admin

from grids.admin import SchoolScopedAdmin

from .models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(SchoolScopedAdmin):
    """Read-only and scoped to the schools the user administers (superusers: all; events
    with no school, such as failures for unknown usernames, show to superusers only)."""

    list_display = ["at", "kind", "username", "ip", "school", "path", "detail"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "ip", "detail"]
    date_hierarchy = "at"
    may_add = False
    may_delete = False

    def has_change_permission(self, request, obj=None):
        return False
