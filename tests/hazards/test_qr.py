"""Cell signs with QR codes, and reports from them without a login where a school allows."""

import pytest
from django.urls import reverse

from hazards import qr
from hazards.models import Hazard, Notification

from .helpers import upload


def allow_anonymous(grid):
    settings = grid.school.hazard_settings
    settings.allow_anonymous_reports = True
    settings.save()


def anonymous_post(client, grid, token, **extra):
    data = {
        "spot": "gate",
        "category": grid.school.hazard_categories.get(code="traffic").pk,
        "severity": "serious",
        "description": "Cars parked on the crossing",
        "contact_phone": "13800001111",
        "photos": [upload()],
    }
    data.update(extra)
    return client.post(reverse("qr", args=[token]), data, REMOTE_ADDR="10.1.2.3")


def test_a_sign_shows_people_and_a_qr_code_for_the_cell(grid, client_for):
    response = client_for(grid.users["guard"]).get(
        reverse("hazards:signs", args=[grid.cells["gate"].pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="cell-sign"') == 1
    assert grid.people["guard"].phone in html
    assert "<svg" in html and qr.cell_token(grid.cells["gate"]) in html


def test_batch_signs_for_a_subtree(grid, client_for):
    response = client_for(grid.users["manager"]).get(
        reverse("hazards:signs", args=[grid.cells["teaching"].pk]) + "?subtree=1"
    )
    codes = {item["cell"].code for item in response.context["items"]}
    assert codes == {"teaching", "grade1", "class1", "class2"}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("guard", 200),
        ("admin", 200),
        ("principal", 200),
        ("teacher", 404),
        ("outsider", 404),
        ("villager", 404),
    ],
)
def test_signs_are_printed_by_those_who_manage_the_cell(grid, client_for, persona, status):
    url = reverse("hazards:signs", args=[grid.cells["gate"].pk])
    assert client_for(grid.users[persona]).get(url).status_code == status


def test_tokens_are_signed(grid):
    token = qr.cell_token(grid.cells["gate"])
    assert qr.cell_from_token(token) == grid.cells["gate"]
    forged = f"{grid.cells['south_class'].pk}:{token.split(':', 1)[1]}"
    assert qr.cell_from_token(forged) is None


def test_staff_scanning_a_sign_land_on_the_report_form(grid, client_for):
    token = qr.cell_token(grid.cells["gate"])
    response = client_for(grid.users["teacher"]).get(reverse("qr", args=[token]))
    assert response.status_code == 302
    assert response.url == reverse("hazards:new") + f"?cell={grid.cells['gate'].pk}"


def test_without_anonymous_reports_a_scan_asks_for_a_login(grid, client):
    token = qr.cell_token(grid.cells["gate"])
    response = client.get(reverse("qr", args=[token]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    anonymous_post(client, grid, token)
    assert not Hazard.objects.exists()


def test_an_anonymous_report_reaches_the_cell_marked_anonymous(grid, client):
    allow_anonymous(grid)
    token = qr.cell_token(grid.cells["gate"])
    assert client.get(reverse("qr", args=[token])).status_code == 200
    response = anonymous_post(client, grid, token)
    assert response.status_code == 200
    hazard = Hazard.objects.get()
    assert hazard.is_anonymous and hazard.reporter is None
    assert hazard.cell == grid.cells["gate"]
    assert hazard.contact_phone == "13800001111" and hazard.reporter_ip == "10.1.2.3"
    assert hazard.photos.count() == 1
    assert Notification.objects.filter(recipient=grid.users["guard"], hazard=hazard).exists()
    assert hazard.number in response.content.decode()


def test_anonymous_reports_are_rate_limited_per_address(grid, client):
    allow_anonymous(grid)
    token = qr.cell_token(grid.cells["gate"])
    for _ in range(5):
        assert anonymous_post(client, grid, token, photos=[]).status_code == 200
    refused = anonymous_post(client, grid, token, photos=[])
    assert refused.status_code == 429
    assert Hazard.objects.count() == 5
    other = client.post(
        reverse("qr", args=[token]),
        {
            "category": grid.school.hazard_categories.first().pk,
            "severity": "general",
            "description": "x",
        },
        REMOTE_ADDR="10.9.9.9",
    )
    assert other.status_code == 200 and Hazard.objects.count() == 6


def test_a_bad_token_is_404(grid, client):
    assert client.get(reverse("qr", args=["12:nope"])).status_code == 404
