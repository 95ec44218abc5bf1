from django.contrib import admin

from .models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read-only: the log is appended by the application and never edited."""

    list_display = ["at", "kind", "username", "ip", "school", "path", "detail"]
    list_filter = ["kind", "school", "at"]
    search_fields = ["username", "ip", "detail"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
