"""The admin site: Django's, plus a one-time password from a TOTP device when required.

With OTP_ADMIN_REQUIRED on, the admin's login form asks for a code from a registered TOTP
device (django-otp) and a staff account whose session was not verified with one is treated
as not staff. Read at each request, so the setting needs no change to the URLs.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class AdminSite(admin.AdminSite):
    @property
    def login_form(self):
        if settings.OTP_ADMIN_REQUIRED:
            return OTPAdminAuthenticationForm
        return AdminAuthenticationForm

    @property
    def login_template(self):
        return OTPAdminSite.login_template if settings.OTP_ADMIN_REQUIRED else None

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not settings.OTP_ADMIN_REQUIRED or request.user.is_verified()
