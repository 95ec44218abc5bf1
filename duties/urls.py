from django.urls import path

from . import views
from .checks import views as checks

app_name = "duties"

urlpatterns = [
    path("visits/", views.visits, name="visits"),
    path("visits/<int:pk>/leave/", views.visit_leave, name="visit_leave"),
    path("today/", checks.today, name="today"),
    path("checks/<int:pk>/", checks.run_detail, name="check"),
]
