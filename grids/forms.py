from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import GridCell, Person, PersonKind, Role, RoleKind


class DateInput(forms.DateInput):
    """The browser's date picker, which takes and gives ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget, and the invalid state where a field has errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = (
                "form-select form-select-lg" if select else "form-control form-control-lg"
            )

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


class ReassignForm(BootstrapForm):
    """Give a post in a cell to a person from a date; the current holder's term ends that day."""

    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.none())
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())
    valid_from = forms.DateField(label=_("Effective from"), widget=DateInput())
    note = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example: personnel change after the new term's staffing plan."),
    )

    def __init__(self, *args, cell: GridCell, **kwargs):
        super().__init__(*args, **kwargs)
        roles = [role for role in cell.school.roles.all() if role.fits(cell)]
        self.fields["role"].queryset = Role.objects.filter(pk__in=[role.pk for role in roles])
        people = cell.school.people.all()
        if not any(role.kind == RoleKind.OUTSIDE for role in roles):
            people = people.filter(kind=PersonKind.STAFF)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = _person_label
        self.fields["valid_from"].initial = timezone.localdate()
        if len(roles) == 1:
            self.fields["role"].initial = roles[0].pk


def _person_label(person: Person) -> str:
    detail = " · ".join(part for part in (person.title, person.department) if part)
    return f"{person.name} ({detail})" if detail else person.name


class EndAssignmentForm(BootstrapForm):
    valid_to = forms.DateField(label=_("Ends on"), widget=DateInput())
    note = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_to"].initial = timezone.localdate()
