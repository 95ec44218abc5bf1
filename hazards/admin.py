"""Admin for a school's hazard set-up. Hazards themselves are read-only here: their status
changes only through the loop's steps (hazards.workflow)."""

from django.contrib import admin

from grids.admin import ReadOnlyAdminMixin, SchoolScopedAdmin

from .models import (
    Delivery,
    Hazard,
    HazardCategory,
    HazardSettings,
    NonWorkingDay,
    WebhookChannel,
)


@admin.register(HazardCategory)
class HazardCategoryAdmin(SchoolScopedAdmin):
    list_display = ["name", "code", "is_active", "sort_order", "school"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter), "is_active"]


@admin.register(HazardSettings)
class HazardSettingsAdmin(SchoolScopedAdmin):
    list_display = ["school", "skip_non_working_days"]
    may_add = False
    may_delete = False


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(SchoolScopedAdmin):
    list_display = ["date", "note", "school"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "date"


@admin.register(Hazard)
class HazardAdmin(ReadOnlyAdminMixin, SchoolScopedAdmin):
    list_display = ["number", "category", "cell", "severity", "status", "reported_at"]
    list_filter = ["status", "severity", ("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["number", "description"]
    list_select_related = ["category", "cell"]


@admin.register(WebhookChannel)
class WebhookChannelAdmin(SchoolScopedAdmin):
    list_display = ["name", "kind", "is_active", "school"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter), "kind", "is_active"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, SchoolScopedAdmin):
    """The outbox: what went out, what waits for another attempt, what was given up."""

    school_path = "event__hazard__school"
    list_display = ["created_at", "kind", "target", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "kind"]
    search_fields = ["target", "event__hazard__number"]
    list_select_related = ["event"]
