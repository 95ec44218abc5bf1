from django.urls import path

from . import views
from .checks import views as checks
from .health import views as health
from .roster import views as roster_views

app_name = "duties"

urlpatterns = [
    path("visits/", views.visits, name="visits"),
    path("visits/<int:pk>/leave/", views.visit_leave, name="visit_leave"),
    path("health/", health.today, name="health"),
    path("health/summary/", health.summary, name="health_summary"),
    path("health/class/<int:pk>/follow-up/", health.follow_up, name="health_follow_up"),
    path("health/class/<int:pk>/<str:session>/", health.check, name="health_check"),
    path("health/cases/<int:pk>/return/", health.case_return, name="health_case_return"),
    path("rosters/", roster_views.rosters, name="rosters"),
    path("rosters/import/", roster_views.roster_import, name="roster_import"),
    path("rosters/template.xlsx", roster_views.roster_template, name="roster_template"),
    path("today/", checks.today, name="today"),
    path("checks/<int:pk>/", checks.run_detail, name="check"),
]
