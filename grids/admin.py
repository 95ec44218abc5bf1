"""Django admin for what the portal's pages do not cover: cells, people, roles.

Superusers (platform operators) see every school. A school admin (staff flag plus
`administer_grid` on their school's level-1 cell) sees and edits only their own school;
being staff grants nothing by itself. Education bureaus and their staff span schools: only
superusers see or edit them, and a school admin cannot move their school to another bureau.
Assignments are read-only history here: people change posts through the portal's
reassignment page, which enforces the grid's rules.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdminMixin
from mptt.admin import MPTTModelAdmin

from . import access, services
from .models import Assignment, Bureau, BureauMember, GridCell, Person, Role, School


class SchoolScopedAdmin(admin.ModelAdmin):
    """Rows and choices limited to the schools the user administers."""

    school_path = "school"  # from this model to its School
    may_add = True
    may_delete = True

    def schools(self, request):
        if request.user.is_superuser:
            return School.objects.all()
        return access.administered_schools(request.user)

    def _in_scope(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        if not request.user.is_active or not request.user.is_staff:
            return False
        schools = self.schools(request)
        if obj is None:
            return schools.exists()
        return self.model.objects.filter(pk=obj.pk, **{f"{self.school_path}__in": schools}).exists()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.school_path}__in": self.schools(request)})

    def has_module_permission(self, request):
        return self._in_scope(request)

    def has_view_permission(self, request, obj=None):
        return self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._in_scope(request, obj)

    def has_add_permission(self, request):
        return self.may_add and self._in_scope(request)

    def has_delete_permission(self, request, obj=None):
        return self.may_delete and self._in_scope(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # A row never moves to another school: its tree, people and history stay behind.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.school_path == "school":
            fields.append("school")
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            schools = self.schools(request)
            related = db_field.related_model
            if related is School:
                kwargs["queryset"] = schools
            elif related in (GridCell, Person, Role):
                kwargs["queryset"] = related.objects.filter(school__in=schools)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdminMixin:
    """History and state that only the portal's services may write: view, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(School)
class SchoolAdmin(SchoolScopedAdmin):
    school_path = "pk"
    may_add = False
    may_delete = False
    list_display = ["name", "code", "address", "bureau"]
    list_filter = ["bureau"]
    search_fields = ["name", "code"]
    list_select_related = ["bureau"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_list_filter(self, request):
        # The bureau filter would list every bureau: the platform operator's view only.
        return self.list_filter if request.user.is_superuser else []

    def get_readonly_fields(self, request, obj=None):
        return super().get_readonly_fields(request, obj) + (
            [] if request.user.is_superuser else ["code", "bureau"]
        )


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Rows that span schools: the platform operator's alone."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


class BureauMemberInline(admin.TabularInline):
    model = BureauMember
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "title", "valid_from", "valid_to"]


@admin.register(Bureau)
class BureauAdmin(SuperuserOnlyAdmin):
    list_display = ["name", "code", "school_count"]
    search_fields = ["name", "code"]
    inlines = [BureauMemberInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(schools_n=models.Count("schools"))

    @admin.display(description=_("schools"), ordering="schools_n")
    def school_count(self, obj):
        return obj.schools_n


@admin.register(BureauMember)
class BureauMemberAdmin(SuperuserOnlyAdmin):
    list_display = ["user", "bureau", "title", "valid_from", "valid_to"]
    list_filter = ["bureau"]
    search_fields = ["user__username", "user__first_name", "title"]
    list_select_related = ["user", "bureau"]
    raw_id_fields = ["user"]


@admin.register(GridCell)
class GridCellAdmin(GuardedModelAdminMixin, SchoolScopedAdmin, MPTTModelAdmin):
    list_display = ["name", "code", "school", "scope", "carve", "roster_kind"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter), "scope", "carve", "roster_kind"]
    search_fields = ["name", "code"]
    list_select_related = ["school"]
    actions = None  # bulk delete would skip the school lock

    def save_model(self, request, obj, form, change):
        services.cell_save(obj)

    def delete_model(self, request, obj):
        services.cell_delete(obj)

    # Object permissions (who administers a school) are the platform operator's to grant.
    def obj_perms_manage_view(self, request, object_pk):
        self._require_superuser(request)
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        self._require_superuser(request)
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        self._require_superuser(request)
        return super().obj_perms_manage_group_view(request, object_pk, group_id)

    @staticmethod
    def _require_superuser(request):
        if not request.user.is_superuser:
            raise PermissionDenied


@admin.register(Role)
class RoleAdmin(SchoolScopedAdmin):
    list_display = ["name", "code", "kind", "manages_cell", "school", "sort_order"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter), "kind"]


@admin.register(Person)
class PersonAdmin(SchoolScopedAdmin):
    list_display = ["name", "code", "title", "department", "kind", "phone", "school", "user"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter), "kind", "department"]
    search_fields = ["name", "code", "phone"]
    list_select_related = ["school", "user"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        # Linking logins reaches across schools' users: the platform operator does it.
        return super().get_readonly_fields(request, obj) + (
            [] if request.user.is_superuser else ["user"]
        )


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdminMixin, SchoolScopedAdmin):
    school_path = "cell__school"
    list_display = ["person", "role", "cell", "valid_from", "valid_to", "created_by"]
    list_filter = [("cell__school", admin.RelatedOnlyFieldListFilter), "role__kind"]
    search_fields = ["person__name", "cell__name", "cell__code"]
    list_select_related = ["person", "role", "cell", "created_by"]
