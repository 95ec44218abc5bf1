from django.contrib import admin

from grids.admin import ReadOnlyAdminMixin, SchoolScopedAdmin

from .models import (
    Absence,
    CellPost,
    ClassRoll,
    Duty,
    FollowUp,
    HealthCheck,
    IllnessCase,
    Post,
    RosterChange,
    RosterDay,
    Visit,
)


class DutyInline(admin.TabularInline):
    model = Duty
    fields = ["text", "sort_order", "is_active"]
    extra = 1


@admin.register(Post)
class PostAdmin(SchoolScopedAdmin):
    list_display = ["name", "code", "sort_order", "school"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter)]
    inlines = [DutyInline]

    def save_formset(self, request, form, formset, change):
        for duty in formset.save(commit=False):
            duty.school = form.instance.school
            duty.save()
        for duty in formset.deleted_objects:
            duty.delete()


@admin.register(Duty)
class DutyAdmin(SchoolScopedAdmin):
    list_display = ["text", "post", "level", "is_active", "school"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter), "level", "post", "is_active"]
    search_fields = ["text"]


@admin.register(CellPost)
class CellPostAdmin(SchoolScopedAdmin):
    school_path = "cell__school"
    list_display = ["cell", "post"]
    list_filter = [("post", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["cell__name", "cell__code"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdminMixin, SchoolScopedAdmin):
    school_path = "cell__school"
    list_display = ["visitor", "organisation", "purpose", "host", "entered_at", "left_at", "cell"]
    search_fields = ["visitor", "organisation", "phone"]
    date_hierarchy = "entered_at"


@admin.register(ClassRoll)
class ClassRollAdmin(SchoolScopedAdmin):
    school_path = "cell__school"
    list_display = ["cell", "enrolled"]
    search_fields = ["cell__name", "cell__code"]


class AbsenceInline(admin.TabularInline):
    model = Absence
    fields = ["student", "reason", "case"]
    readonly_fields = fields
    extra = 0


@admin.register(HealthCheck)
class HealthCheckAdmin(ReadOnlyAdminMixin, SchoolScopedAdmin):
    school_path = "cell__school"
    list_display = ["cell", "date", "session", "enrolled", "present", "absent", "recorded_by"]
    list_filter = ["session"]
    date_hierarchy = "date"
    inlines = [AbsenceInline]


@admin.register(IllnessCase)
class IllnessCaseAdmin(ReadOnlyAdminMixin, SchoolScopedAdmin):
    school_path = "cell__school"
    list_display = ["student", "cell", "symptom", "started_on", "returned_on"]
    list_filter = ["symptom"]
    date_hierarchy = "started_on"


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdminMixin, SchoolScopedAdmin):
    school_path = "cell__school"
    list_display = ["student", "cell", "date", "result", "recorded_by", "recorded_at"]


class RosterDayInline(admin.TabularInline):
    model = RosterDay
    fields = ["cell", "day", "person", "action", "note", "supersedes"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return True  # the change it belongs to is already scoped to the user's schools

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RosterChange)
class RosterChangeAdmin(ReadOnlyAdminMixin, SchoolScopedAdmin):
    """The roster's record, read-only: changes are made on the roster page."""

    list_display = ["created_at", "created_by", "source", "reason", "file_name", "school"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter), "source"]
    date_hierarchy = "created_at"
    inlines = [RosterDayInline]


from .checks import admin as checks_admin  # noqa: E402, F401 - registers the checks' admin
