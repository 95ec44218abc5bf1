from django.urls import path

from . import bureau_views, exports_views, imports_views, views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("scorecard/", views.scorecard, name="scorecard"),
    path("bureau/", bureau_views.bureau, name="bureau"),
    path("bureau/<slug:code>/", bureau_views.bureau_detail, name="bureau_detail"),
    path("bureau/<slug:code>/xlsx/", bureau_views.bureau_xlsx, name="bureau_xlsx"),
    path("exports/", exports_views.export_page, name="exports"),
    path("exports/mine/", exports_views.export_list, name="export_list"),
    path("exports/accountability/", exports_views.export_accountability, name="accountability"),
    path("exports/ledger/", exports_views.export_ledger, name="ledger"),
    path("exports/checks/", exports_views.export_checks, name="checks"),
    path("exports/roster/", exports_views.export_roster, name="roster"),
    path("exports/scorecard/", exports_views.export_scorecard, name="scorecard_export"),
    path("exports/<int:pk>/download/", exports_views.export_download, name="export_download"),
    path("import/", imports_views.import_page, name="import"),
    path("import/template/<str:kind>/", imports_views.import_template, name="import_template"),
    path("import/confirm/", imports_views.import_confirm, name="import_confirm"),
]
