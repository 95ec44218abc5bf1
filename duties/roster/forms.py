from django import forms
from django.utils.translation import gettext_lazy as _

from grids.forms import BootstrapForm, DateInput
from grids.models import Person


class RosterForm(BootstrapForm):
    """Who is on duty in a time-bound cell from one day to another; or cancel those days."""

    cell = forms.ModelChoiceField(label=_("Cell"), queryset=None, empty_label=None)
    first = forms.DateField(label=_("First day"), widget=DateInput)
    last = forms.DateField(label=_("Last day"), widget=DateInput)
    person = forms.ModelChoiceField(
        label=_("On duty"), queryset=Person.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=200,
        required=False,
        help_text=_("Needed when someone is already on duty on those days."),
    )

    def __init__(self, *args, cells, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].queryset = cells
        self.fields["person"].queryset = Person.objects.filter(school=school).order_by("name")
        self.fields["person"].label_from_instance = _person_label


def _person_label(person: Person) -> str:
    details = " · ".join(part for part in (person.code, person.title) if part)
    return f"{person.name} ({details})" if details else person.name


class ImportForm(BootstrapForm):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
