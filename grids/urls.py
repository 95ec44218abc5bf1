from django.urls import path

from . import views

app_name = "grids"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("coverage/", views.coverage, name="coverage"),
    path("cells/<int:pk>/", views.cell_detail, name="cell"),
    path("cells/<int:pk>/branch/", views.branch, name="branch"),
    path("cells/<int:pk>/assign/", views.reassign, name="reassign"),
    path("assignments/<int:pk>/end/", views.end_assignment, name="end_assignment"),
]
