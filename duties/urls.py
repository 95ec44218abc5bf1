from django.urls import path

from . import views
from .roster import views as roster_views

app_name = "duties"

urlpatterns = [
    path("visits/", views.visits, name="visits"),
    path("visits/<int:pk>/leave/", views.visit_leave, name="visit_leave"),
    path("rosters/", roster_views.rosters, name="rosters"),
    path("rosters/import/", roster_views.roster_import, name="roster_import"),
    path("rosters/template.xlsx", roster_views.roster_template, name="roster_template"),
]
