from django import forms
from django.utils.translation import gettext_lazy as _

from grids.forms import BootstrapForm, DateInput

from .models import FollowUpResult, Reason, Symptom
from .services import AbsenceRow

NO_SYMPTOM = [("", _("Symptom…"))]


class HealthCheckForm(BootstrapForm):
    enrolled = forms.IntegerField(label=_("Enrolled"), min_value=0, max_value=500)
    present = forms.IntegerField(label=_("Present"), min_value=0, max_value=500)
    absent = forms.IntegerField(label=_("Absent"), min_value=0, max_value=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update(
                {"inputmode": "numeric", "class": "form-control form-control-lg text-center"}
            )


class AbsenceForm(forms.Form):
    """One absent student. A row left without a name is ignored."""

    student = forms.CharField(label=_("Student"), max_length=50, required=False)
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices, initial=Reason.ILLNESS)
    symptom = forms.ChoiceField(
        label=_("Main symptom"), choices=NO_SYMPTOM + Symptom.choices, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].widget.attrs.update(
            {"class": "form-control", "placeholder": _("Student's name"), "autocomplete": "off"}
        )
        self.fields["reason"].widget.attrs["class"] = "form-select"
        self.fields["symptom"].widget.attrs["class"] = "form-select"


AbsenceFormSet = forms.formset_factory(AbsenceForm, extra=0)


def absence_rows(formset) -> list[AbsenceRow]:
    return [
        AbsenceRow(
            student=form.cleaned_data["student"].strip(),
            reason=form.cleaned_data["reason"],
            symptom=form.cleaned_data["symptom"]
            if form.cleaned_data["reason"] == Reason.ILLNESS
            else "",
        )
        for form in formset
        if form.cleaned_data.get("student", "").strip()
    ]


class FollowUpForm(BootstrapForm):
    result = forms.ChoiceField(
        label=_("Result"), choices=FollowUpResult.choices, widget=forms.RadioSelect
    )
    symptom = forms.ChoiceField(
        label=_("Main symptom"), choices=NO_SYMPTOM + Symptom.choices, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].widget.attrs["class"] = "form-check-input"


class ReturnForm(forms.Form):
    returned_on = forms.DateField(label=_("Back at school on"), widget=DateInput)
