"""Login lockout: a username is locked from one address, never a whole shared address."""

from django.urls import reverse

from ..factories import PASSWORD


def attempt(client, username, password):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7"
    )


def test_repeated_failures_lock_that_username_only(grid, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "teacher", "wrong")
    locked = attempt(client, "teacher", PASSWORD)
    assert locked.status_code == 429
    assert "15" in locked.content.decode()  # tells when to try again
    # A colleague behind the same school address still gets in.
    assert attempt(client, "guard", PASSWORD).status_code == 302


def test_success_before_the_limit_resets_the_count(grid, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "teacher", "wrong")
    assert attempt(client, "teacher", PASSWORD).status_code == 302
    client.logout()
    attempt(client, "teacher", "wrong")
    assert attempt(client, "teacher", PASSWORD).status_code == 302
