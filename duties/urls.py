from django.urls import path

from . import views

app_name = "duties"

urlpatterns = [
    path("visits/", views.visits, name="visits"),
    path("visits/<int:pk>/leave/", views.visit_leave, name="visit_leave"),
]
