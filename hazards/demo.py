"""Demo hazards for the demo school: a few in each state, written through the workflow."""

import datetime
import io
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from grids.models import GridCell, School

from . import workflow
from .models import HazardCategory

DEMO_FILE = Path(__file__).parent / "data" / "demo_hazards.json"


def _photo(seed: int, after: bool) -> ContentFile:
    """A drawn stand-in for a phone photo: a wall, a socket, and green when fixed."""
    image = Image.new("RGB", (1200, 900), (214, 206, 190))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 620, 1200, 900], fill=(150, 130, 110))
    x = 300 + seed * 97 % 500
    draw.rectangle([x, 260, x + 260, 520], fill=(245, 245, 240), outline=(90, 90, 90), width=8)
    mark = (46, 139, 87) if after else (192, 57, 43)
    draw.ellipse([x + 70, 330, x + 190, 450], outline=mark, width=14)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return ContentFile(out.getvalue(), name="demo.jpg")


def load_demo_hazards(school: School) -> int:
    """Load the school's demo hazards once (a school that has any hazard is left alone)."""
    if school.hazards.exists():
        return 0
    users = {u.username: u for u in get_user_model().objects.all()}
    entries = [e for e in json.loads(DEMO_FILE.read_text("utf-8")) if e["school"] == school.code]
    now = timezone.now()
    for index, entry in enumerate(entries):
        at = now - datetime.timedelta(hours=entry["hours_ago"])
        hazard = workflow.hazard_report(
            reporter=users[entry["reporter"]],
            cell=GridCell.objects.get(school=school, code=entry["cell"]),
            category=HazardCategory.objects.get(school=school, code=entry["category"]),
            severity=entry["severity"],
            description=entry["description"],
            spot=entry["spot"],
            photos=[_photo(index, after=False)],
            now=at,
        )
        for step_no, step in enumerate(entry["steps"], start=1):
            at = min(at + datetime.timedelta(hours=2 * step_no), now)
            actor = users[step["by"]]
            if step["do"] == "accept":
                workflow.hazard_accept(
                    hazard_id=hazard.pk,
                    actor=actor,
                    assignee=users[step["assignee"]].grid_person,
                    note=step["note"],
                    now=at,
                )
            elif step["do"] == "submit":
                workflow.hazard_submit(
                    hazard_id=hazard.pk,
                    actor=actor,
                    note=step["note"],
                    photos=[_photo(index, after=True)],
                    now=at,
                )
            elif step["do"] == "verify":
                workflow.hazard_verify(hazard_id=hazard.pk, actor=actor, note=step["note"], now=at)
    return len(entries)
