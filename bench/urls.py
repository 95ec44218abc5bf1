from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import TemplateView

from gridsafety.urls import urlpatterns as site

# The floor every page is measured against: our base template and a logged-in user.
bare = login_required(TemplateView.as_view(template_name="base.html"))

urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *site]
