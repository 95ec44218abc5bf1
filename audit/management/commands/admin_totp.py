"""Give a staff account a TOTP device for the admin's one-time passwords.

    python manage.py admin_totp USERNAME [--name phone]

Prints the otpauth:// link and its QR code for an authenticator app (Microsoft or Google
Authenticator, FreeOTP...). Needed before OTP_ADMIN_REQUIRED is turned on: the admin then
asks every staff login for a code.
"""

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Create a TOTP device for a staff account and print its QR code."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator", help="The device's name.")
        parser.add_argument("--no-qr", action="store_true", help="Print the link only.")

    def handle(self, username, name, no_qr, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_staff:
            raise CommandError(f"No staff account named {username!r}.")
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        self.stdout.write(device.config_url)
        if not no_qr:
            segno.make(device.config_url, error="m").terminal(out=self.stdout, compact=True)
        self.stdout.write(f"TOTP device {name!r} created for {username}.")
