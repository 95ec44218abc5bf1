"""The phone form of a check: one field per item, big OK / problem toggles, and for a
problem what is wrong and photos (shown by CSS once "problem" is chosen)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from grids.forms import BootstrapForm
from hazards.forms import PhotosField

from .models import CheckItem, ItemKind
from .services import Answer

OK, PROBLEM = "ok", "problem"


class CheckForm(BootstrapForm):
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, items: list[CheckItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        note = self.fields.pop("note")
        for item in items:
            self.fields[f"item_{item.pk}"] = self._value_field(item)
            if item.kind != ItemKind.YES_NO:
                self.fields[f"problem_{item.pk}"] = forms.BooleanField(
                    label=_("There is a problem"), required=False
                )
            self.fields[f"detail_{item.pk}"] = forms.CharField(
                label=_("What is wrong"), max_length=300, required=False
            )
            if item.kind != ItemKind.PHOTO:
                self.fields[f"photos_{item.pk}"] = PhotosField(label=_("Photos"), required=False)
        self.fields["note"] = note

    @staticmethod
    def _value_field(item: CheckItem) -> forms.Field:
        common = {"label": item.label, "required": item.required}
        if item.kind == ItemKind.YES_NO:
            return forms.ChoiceField(
                choices=[(OK, _("OK")), (PROBLEM, _("Problem"))],
                widget=forms.RadioSelect,
                **common,
            )
        if item.kind == ItemKind.NUMBER:
            return forms.DecimalField(
                max_digits=9,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
                **common,
            )
        if item.kind == ItemKind.NOTE:
            return forms.CharField(
                max_length=500, widget=forms.Textarea(attrs={"rows": 2}), **common
            )
        return PhotosField(**common)

    @staticmethod
    def initial_from(record) -> dict:
        """The corrected record's answers, to start the correction from."""
        initial = {"note": record.note}
        for answer in record.answers.all():
            key = f"item_{answer.item_id}"
            if answer.ok is not None:
                initial[key] = OK if answer.ok else PROBLEM
            elif answer.number is not None:
                initial[key] = answer.number
            elif answer.text:
                initial[key] = answer.text
            if answer.is_problem and answer.item.kind != ItemKind.YES_NO:
                initial[f"problem_{answer.item_id}"] = True
        return initial

    def rows(self):
        """(item, value field, problem switch, detail, photos) for the template."""
        for item in self.items:
            yield {
                "item": item,
                "value": self[f"item_{item.pk}"],
                "problem": self[f"problem_{item.pk}"] if item.kind != ItemKind.YES_NO else None,
                "detail": self[f"detail_{item.pk}"],
                "photos": self[f"photos_{item.pk}"] if item.kind != ItemKind.PHOTO else None,
            }

    def answers(self) -> list[Answer]:
        data = self.cleaned_data
        answers = []
        for item in self.items:
            value = data.get(f"item_{item.pk}")
            answer = Answer(item=item, detail=data.get(f"detail_{item.pk}", ""))
            if item.kind == ItemKind.YES_NO:
                if value:
                    answer.ok = value == OK
                answer.is_problem = value == PROBLEM
            else:
                answer.is_problem = bool(data.get(f"problem_{item.pk}"))
                if item.kind == ItemKind.NUMBER:
                    answer.number = value
                    answer.is_problem = answer.is_problem or item.out_of_bounds(value)
                elif item.kind == ItemKind.NOTE:
                    answer.text = value or ""
            if item.kind == ItemKind.PHOTO:
                answer.photos = value or []
            else:
                answer.photos = data.get(f"photos_{item.pk}") or []
            answers.append(answer)
        return answers
