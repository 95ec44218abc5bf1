"""Recurring checks in the admin, scoped to the schools the user administers like the duty
library. Runs, records and digests are history: read-only here."""

from django.contrib import admin

from grids.admin import ReadOnlyAdminMixin, SchoolScopedAdmin
from hazards.models import HazardCategory

from ..models import Duty
from .models import CheckItem, CheckRecord, CheckRun, CheckTemplate, MissedDigest, Term


@admin.register(Term)
class TermAdmin(SchoolScopedAdmin):
    list_display = ["name", "start", "end", "school"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter)]


class CheckItemInline(admin.TabularInline):
    model = CheckItem
    fields = ["label", "kind", "required", "low", "high", "sort_order", "is_active"]
    extra = 1


@admin.register(CheckTemplate)
class CheckTemplateAdmin(SchoolScopedAdmin):
    school_path = "duty__school"
    list_display = ["title", "duty", "frequency", "is_active"]
    list_filter = ["frequency", "is_active"]
    search_fields = ["title", "duty__text"]
    list_select_related = ["duty"]
    inlines = [CheckItemInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        schools = self.schools(request)
        if db_field.name == "duty":
            kwargs["queryset"] = Duty.objects.filter(school__in=schools).select_related("post")
        elif db_field.name == "hazard_category":
            kwargs["queryset"] = HazardCategory.objects.filter(school__in=schools)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CheckRun)
class CheckRunAdmin(ReadOnlyAdminMixin, SchoolScopedAdmin):
    school_path = "cell__school"
    list_display = ["template", "cell", "period_start", "period_end", "status", "done_by"]
    list_filter = ["status", "template__frequency"]
    search_fields = ["cell__name", "template__title"]
    list_select_related = ["template", "cell", "done_by"]
    date_hierarchy = "period_start"


@admin.register(CheckRecord)
class CheckRecordAdmin(ReadOnlyAdminMixin, SchoolScopedAdmin):
    school_path = "run__cell__school"
    list_display = ["run", "submitted_by", "submitted_at", "corrects"]
    list_select_related = ["run__template", "run__cell", "submitted_by"]


@admin.register(MissedDigest)
class MissedDigestAdmin(ReadOnlyAdminMixin, SchoolScopedAdmin):
    # A digest belongs to the schools of its checks; the admin sees those of their school.
    school_path = "runs__cell__school"
    list_display = ["recipient", "day", "created_at", "sent_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()
