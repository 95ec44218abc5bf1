"""Django admin for platform operators (superusers). School staff use the portal's pages,
which enforce the grid's rules; here assignments are read-only history."""

from django.contrib import admin
from guardian.admin import GuardedModelAdminMixin
from mptt.admin import MPTTModelAdmin

from .models import Assignment, GridCell, Person, Role, School


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "address"]
    search_fields = ["name", "code"]


@admin.register(GridCell)
class GridCellAdmin(GuardedModelAdminMixin, MPTTModelAdmin):
    list_display = ["name", "code", "school", "scope", "carve"]
    list_filter = ["school", "scope", "carve"]
    search_fields = ["name", "code"]
    list_select_related = ["school"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "manages_cell", "school", "sort_order"]
    list_filter = ["school", "kind"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "title", "department", "kind", "phone", "school", "user"]
    list_filter = ["school", "kind", "department"]
    search_fields = ["name", "code", "phone"]
    list_select_related = ["school", "user"]
    raw_id_fields = ["user"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "cell", "valid_from", "valid_to", "created_by"]
    list_filter = ["cell__school", "role__kind"]
    search_fields = ["person__name", "cell__name", "cell__code"]
    list_select_related = ["person", "role", "cell", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
