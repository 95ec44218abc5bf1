"""Login hardening: lockout per username and address with a cool-off, password rules, idle
sessions, and a one-time password for the admin when required."""

import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.middleware import SEEN_KEY
from audit.models import Kind, SecurityEvent

from ..factories import PASSWORD, UserFactory

SCHOOL_ADDRESS = "10.0.0.7"


def attempt(client, username, password, ip=SCHOOL_ADDRESS):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def lock(client, settings, username="teacher"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, username, "wrong")


def test_the_lockout_keys_on_username_and_address_together(settings):
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert 15 <= settings.AXES_COOLOFF_TIME * 60 <= 30


def test_repeated_failures_lock_that_username_from_that_address(grid, client, settings):
    assert attempt(client, "teacher", "wrong").status_code == 200  # the form again, no lock
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "teacher", "wrong")
    locked = attempt(client, "teacher", PASSWORD)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert f"请在 {settings.AXES_COOLOFF_MINUTES} 分钟后再试" in page
    assert "_auth_user_id" not in client.session


def test_colleagues_behind_the_same_address_still_log_in(grid, client, settings):
    lock(client, settings)
    assert attempt(client, "guard", PASSWORD).status_code == 302
    client.logout()
    # The same username from another address is not locked either.
    assert attempt(client, "teacher", PASSWORD, ip="10.0.0.99").status_code == 302


def test_the_lock_lifts_after_the_cool_off(grid, client, settings):
    lock(client, settings)
    assert attempt(client, "teacher", PASSWORD).status_code == 429
    # Time passes: the failures now lie further back than the cool-off.
    AccessAttempt.objects.update(
        attempt_time=timezone.now()
        - datetime.timedelta(minutes=settings.AXES_COOLOFF_MINUTES, seconds=30)
    )
    assert attempt(client, "teacher", PASSWORD).status_code == 302


def test_logins_failures_and_lockouts_go_to_the_security_log(grid, client, settings):
    lock(client, settings)
    attempt(client, "guard", PASSWORD)
    events = SecurityEvent.objects.order_by("at", "id")
    kinds = [e.kind for e in events]
    assert kinds.count(Kind.LOGIN_FAILED) == settings.AXES_FAILURE_LIMIT
    assert kinds.count(Kind.LOCKOUT) == 1
    assert kinds[-1] == Kind.LOGIN
    failure = events.filter(kind=Kind.LOGIN_FAILED).first()
    assert (failure.username, failure.ip, failure.school) == (
        "teacher",
        SCHOOL_ADDRESS,
        grid.school,
    )
    assert failure.user == grid.users["teacher"]
    login = events.get(kind=Kind.LOGIN)
    assert (login.user, login.school) == (grid.users["guard"], grid.school)


def test_django_password_rules_are_on(grid):
    user = grid.users["teacher"]
    for weak in ["12345678", "password", "teacher1", "short"]:
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("Quiet-river-lantern-42", user)


def session_of(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_a_session_ends_after_the_idle_minutes(grid, client, settings):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60 == 30 * 60
    assert attempt(client, "teacher", PASSWORD).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    expires = session_of(client).expire_date
    idle = datetime.timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    assert abs(expires - (timezone.now() + idle)) < datetime.timedelta(seconds=30)

    # 31 minutes of nothing: the session has expired and the next page asks to log in.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_activity_keeps_the_session_alive(grid, client, settings):
    attempt(client, "teacher", PASSWORD)
    # The last renewal was two minutes ago and the session has ten minutes left.
    session = client.session
    session[SEEN_KEY] = int(time.time()) - 120
    session.save()
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=10))
    assert client.get(reverse("home")).status_code == 200
    renewed = session_of(client).expire_date - timezone.now()
    assert renewed > datetime.timedelta(minutes=settings.SESSION_IDLE_MINUTES - 1)


def test_a_page_within_the_minute_does_not_write_the_session(grid, client):
    attempt(client, "teacher", PASSWORD)
    before = session_of(client).expire_date
    client.get(reverse("home"))
    assert session_of(client).expire_date == before


@pytest.fixture
def staff(db):
    return UserFactory(username="it-admin", is_staff=True, is_superuser=True)


def test_the_admin_wants_a_staff_account(grid, client):
    client.force_login(grid.users["teacher"])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response.url


def test_without_otp_required_a_password_opens_the_admin(staff, client, settings):
    settings.OTP_ADMIN_REQUIRED = False
    client.post(reverse("admin:login"), {"username": "it-admin", "password": PASSWORD})
    assert client.get(reverse("admin:index")).status_code == 200


def test_with_otp_required_the_admin_wants_a_device_code(staff, client, settings):
    settings.OTP_ADMIN_REQUIRED = True
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    login_url = reverse("admin:login")
    assert "otp_token" in client.get(login_url).content.decode()

    # A password alone, or a wrong code, does not open it.
    client.post(login_url, {"username": "it-admin", "password": PASSWORD})
    assert client.get(reverse("admin:index")).status_code == 302
    with_code = {"username": "it-admin", "password": PASSWORD, "otp_device": device.persistent_id}
    client.post(login_url, {**with_code, "otp_token": "000000"})
    assert client.get(reverse("admin:index")).status_code == 302

    # A staff session logged in elsewhere (no device) is not staff to the admin.
    client.force_login(staff)
    assert client.get(reverse("admin:index")).status_code == 302

    device.refresh_from_db()
    device.throttle_reset()  # the wrong code above made the device wait a second
    code = f"{totp(device.bin_key):06d}"
    client.post(login_url, {**with_code, "otp_token": code})
    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_totp_gives_a_staff_account_a_device(staff, db):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("admin_totp", "it-admin", "--no-qr", stdout=out)
    device = TOTPDevice.objects.get(user=staff)
    assert device.confirmed and device.config_url in out.getvalue()
    with pytest.raises(CommandError):
        call_command("admin_totp", "nobody", stdout=out)
