"""QuickSelect writes what Django's select templates write."""

import pytest
from django import forms

from gridsafety.widgets import QuickSelect

CHOICES = [("", "Any <one>"), ("a", "A & B"), (1, "One"), (None, "None at all")]
GROUPS = [("", "Any"), ("Group", [("x", "X"), ("y", "Y")]), ("z", "Z")]


@pytest.mark.parametrize("value", [None, "", "a", 1, "1", "missing", ["a", 1]])
@pytest.mark.parametrize("choices", [CHOICES, GROUPS])
@pytest.mark.parametrize("attrs", [{}, {"class": "form-select", "id": "f", "disabled": True}])
def test_quick_select_matches_django(value, choices, attrs):
    quick = QuickSelect(attrs=attrs, choices=choices).render("name", value, {"data-x": '"q"'})
    django = forms.Select(attrs=attrs, choices=choices).render("name", value, {"data-x": '"q"'})
    assert quick == django


def test_quick_select_in_a_form_matches_django():
    class Quick(forms.Form):
        pick = forms.ChoiceField(choices=CHOICES, widget=QuickSelect, required=True)

    class Plain(forms.Form):
        pick = forms.ChoiceField(choices=CHOICES, required=True)

    for data in [None, {"pick": "a"}, {"pick": "nope"}]:
        assert str(Quick(data)["pick"]) == str(Plain(data)["pick"])
