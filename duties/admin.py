from django.contrib import admin

from grids.admin import ReadOnlyAdminMixin, SchoolScopedAdmin

from .models import CellPost, Duty, Post, Visit


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


from .checks import admin as checks_admin  # noqa: E402, F401 - registers the checks' admin
