from django import forms

from grids.forms import BootstrapForm

from .models import Visit


class VisitForm(BootstrapForm, forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["visitor", "phone", "organisation", "purpose", "host", "health_check"]
