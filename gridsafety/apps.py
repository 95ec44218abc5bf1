from django.contrib.admin.apps import AdminConfig as BaseAdminConfig


class AdminConfig(BaseAdminConfig):
    """django.contrib.admin with our site: a staff account, and a one-time password when
    OTP_ADMIN_REQUIRED is on."""

    default_site = "gridsafety.admin_site.AdminSite"
