import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 366
END_BEFORE_START = _("The end date lies before the start date.")
RANGE_TOO_LONG = _("Choose a period of at most a year.")


class ScorecardForm(forms.Form):
    by = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[("cell", _("Cell")), ("person", _("Person"))],
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.update({"class": css, "id": f"score-{name}"})

    @staticmethod
    def defaults() -> dict:
        """This month so far."""
        today = timezone.localdate()
        return {"by": "cell", "start": today.replace(day=1), "end": today}

    def clean(self):
        data = super().clean()
        defaults = self.defaults()
        for name in ("by", "start", "end"):
            data[name] = data.get(name) or defaults[name]
        if data["end"] < data["start"]:
            raise ValidationError(END_BEFORE_START)
        if data["end"] - data["start"] > datetime.timedelta(days=MAX_DAYS):
            raise ValidationError(RANGE_TOO_LONG)
        return data
