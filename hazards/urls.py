from django.urls import path

from . import views

app_name = "hazards"

urlpatterns = [
    path("", views.hazard_list, name="list"),
    path("new/", views.report, name="new"),
    path("inbox/", views.inbox, name="inbox"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("signs/<int:pk>/", views.signs, name="signs"),
]
