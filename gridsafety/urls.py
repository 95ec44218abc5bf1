from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hazards import views as hazard_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("grids/", include("grids.urls")),
    path("hazards/", include("hazards.urls")),
    path("duties/", include("duties.urls")),
    path("reports/", include("reports.urls")),
    path("audit/", include("audit.urls")),
    path("q/<str:token>/", hazard_views.qr_entry, name="qr"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
