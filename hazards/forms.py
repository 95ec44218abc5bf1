import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids import access
from grids.forms import BootstrapForm
from grids.models import GridCell, Person
from gridsafety.widgets import QuickSelect

from .models import HazardCategory, Severity, Status
from .photos import MAX_PHOTOS, TOO_MANY_PHOTOS, process_photo


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to six photos, each verified and cleaned (see hazards.photos)."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > MAX_PHOTOS:
            raise ValidationError(TOO_MANY_PHOTOS)
        cleaned, errors = [], []
        for upload in files:
            try:
                cleaned.append(process_photo(upload))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class DeadlineField(forms.DateTimeField):
    widget = DateTimeInput

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], **kwargs)


INDENT = "\u3000"  # an ideographic space per level, so the tree reads in a select


def _cell_label(cell: GridCell) -> str:
    return f"{INDENT * cell.depth}{cell.name}"


class ReportForm(BootstrapForm):
    cell = forms.ModelChoiceField(label=_("Cell"), queryset=GridCell.objects.none())
    spot = forms.CharField(
        label=_("Exact spot"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. east stairwell, 2nd floor")}),
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=HazardCategory.objects.none())
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        initial=Severity.GENERAL,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=_("What is wrong"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 6 photos: JPEG, PNG or WebP, 10 MB each."),
    )

    def __init__(self, *args, cells, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].queryset = cells
        self.fields["cell"].label_from_instance = _cell_label
        self.fields["category"].queryset = HazardCategory.objects.filter(
            school=school, is_active=True
        )
        self.fields["severity"].widget.attrs = {"class": "btn-check"}
        self.fields["photos"].widget.attrs["class"] = "form-control form-control-lg"


class ActionForm(BootstrapForm):
    """Every step carries the hazard's version, so a stale page cannot act unawares."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, hazard, **kwargs):
        self.hazard = hazard
        kwargs.setdefault("initial", {})["version"] = hazard.version
        super().__init__(*args, **kwargs)
        self.fields["version"].widget.attrs = {}


def people_of_subtree(cell: GridCell):
    """People who hold a post in the cell or below it today (or are on duty there), with a
    login to act with."""
    return access.people_acting_in(cell).filter(user__isnull=False).order_by("name")


class AcceptForm(ActionForm):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=Person.objects.none())
    rectify_due_at = DeadlineField(label=_("Rectify by"))
    interim_measures = forms.CharField(
        label=_("Interim measures"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a major hazard: what keeps people safe until it is fixed."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, default_due: datetime.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people_of_subtree(self.hazard.cell)
        self.fields["rectify_due_at"].initial = timezone.localtime(default_due)
        if self.hazard.severity != Severity.MAJOR:
            del self.fields["interim_measures"]


class ReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SubmitForm(ActionForm):
    note = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(
        label=_("Photos after rectification"), help_text=_("At least one, up to 6.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs["class"] = "form-control form-control-lg"


class VerifyForm(ActionForm):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(ReasonForm):
    rectify_due_at = DeadlineField(label=_("New deadline (optional)"), required=False)


class ReassignForm(ReasonForm):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=Person.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people_of_subtree(self.hazard.cell)
        self.order_fields(["assignee", "reason"])


class DeadlineForm(ReasonForm):
    due_at = DeadlineField(label=_("New deadline"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["due_at", "reason"])


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All open")), *Status.choices, ("all", _("All"))],
        widget=QuickSelect,
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", _("Any severity")), *Severity.choices],
        widget=QuickSelect,
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=HazardCategory.objects.none(),
        empty_label=_("Any category"),
        widget=QuickSelect,
    )
    cell = forms.ModelChoiceField(
        label=_("Within"),
        required=False,
        queryset=GridCell.objects.none(),
        empty_label=_("Everywhere"),
        widget=QuickSelect,
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    escalated = forms.BooleanField(label=_("Escalated only"), required=False)
    since = forms.DateField(
        label=_("Reported from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("Reported until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    # Set by the dashboard's links, shown as removable chips rather than in the form.
    in_cell = forms.ModelChoiceField(
        label=_("In the cell itself"), required=False, queryset=GridCell.objects.none()
    )
    closed_from = forms.DateField(label=_("Closed from"), required=False)
    closed_until = forms.DateField(label=_("Closed until"), required=False)
    reached = forms.ChoiceField(
        label=_("Reached"),
        required=False,
        choices=[
            ("", ""),
            ("accepted", _("Accepted")),
            ("submitted", _("Rectification submitted")),
        ],
    )
    timeliness = forms.ChoiceField(
        label=_("Closed"),
        required=False,
        choices=[("", ""), ("in_time", _("In time")), ("late", _("Late"))],
    )
    resolved = forms.ChoiceField(
        label=_("Resolved"),
        required=False,
        choices=[
            ("", ""),
            ("own", _("In its own cell")),
            ("higher", _("By a higher level")),
            ("escalated", _("After escalation")),
        ],
    )
    CHIPS = ("in_cell", "closed_from", "closed_until", "reached", "timeliness", "resolved")

    def __init__(self, *args, school, cells, **kwargs):
        super().__init__(*args, **kwargs)
        categories = HazardCategory.objects.filter(school=school)
        self.fields["category"].queryset = categories
        # Its options as (pk, name): one query, no model instances, no server-side cursor.
        self.fields["category"].widget.choices = [
            ("", self.fields["category"].empty_label),
            *categories.values_list("pk", "name"),
        ]
        self.fields["cell"].queryset = cells
        self.fields["in_cell"].queryset = cells
        self.fields["cell"].label_from_instance = _cell_label
        self.fields["cell"].widget.choices = self._branches(cells)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"
            field.widget.attrs["id"] = f"filter-{name}"

    def _branches(self, cells) -> list[tuple]:
        """The "within" dropdown offers the cells that have cells below them, and the one
        chosen: a school's two thousand smallest cells would make it unusable on a phone (a
        single cell is the dashboard's `in_cell` filter). Any covered cell still validates."""
        chosen = str(self.data.get("cell", "")) if self.is_bound else ""
        branches = cells.filter(
            Q(rght__gt=F("lft") + 1) | Q(pk=int(chosen) if chosen.isdigit() else None)
        )
        return [
            ("", self.fields["cell"].empty_label),
            *(
                (pk, f"{INDENT * depth}{name}")
                for pk, name, depth in branches.values_list("pk", "name", "depth")
            ),
        ]

    def chips(self) -> list[dict]:
        """The link-set filters in force: a label each, and the query without it."""
        if not self.is_bound or not self.is_valid():
            return []
        chips = []
        for name in self.CHIPS:
            value = self.cleaned_data.get(name)
            if not value:
                continue
            field = self.fields[name]
            if isinstance(field, forms.ModelChoiceField):
                shown = value.name
            elif isinstance(field, forms.ChoiceField):
                shown = dict(field.choices).get(value, value)
            else:
                shown = value
            rest = self.data.copy()
            rest.pop(name, None)
            rest.pop("page", None)
            chips.append(
                {
                    "name": name,
                    "raw": self.data.get(name),
                    "label": field.label,
                    "value": shown,
                    "without": rest.urlencode(),
                }
            )
        return chips


class AnonymousReportForm(BootstrapForm):
    """The QR sign's form for someone without a login: the cell is the sign's own."""

    spot = ReportForm.base_fields["spot"]
    category = forms.ModelChoiceField(label=_("Category"), queryset=HazardCategory.objects.none())
    severity = ReportForm.base_fields["severity"]
    description = ReportForm.base_fields["description"]
    photos = ReportForm.base_fields["photos"]
    contact_phone = forms.RegexField(
        label=_("Your phone (optional)"),
        required=False,
        max_length=20,
        regex=r"^[0-9+\- ]{5,20}$",
        help_text=_("Only if you would like to hear back."),
        error_messages={"invalid": _("Enter a phone number, digits only.")},
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = HazardCategory.objects.filter(
            school=school, is_active=True
        )
        self.fields["severity"].widget.attrs = {"class": "btn-check"}
        self.fields["photos"].widget.attrs["class"] = "form-control form-control-lg"
