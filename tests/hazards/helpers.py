import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from hazards import workflow
from hazards.photos import process_photo

T0 = timezone.make_aware(datetime.datetime(2026, 11, 2, 9, 0))  # a Monday, 09:00 Shanghai


def image_bytes(size=(800, 600), fmt="JPEG", color=(200, 60, 40), exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def upload(name="photo.jpg", content=None, content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, content if content is not None else image_bytes(), content_type=content_type
    )


def clean_photo():
    return process_photo(upload())


def report(grid, reporter="teacher", cell="class1", severity="general", now=T0, photos=()):
    category = grid.cells[cell].school.hazard_categories.get(code="fire")
    return workflow.hazard_report(
        reporter=grid.users[reporter],
        cell=grid.cells[cell],
        category=category,
        severity=severity,
        description="Extinguisher missing",
        spot="east stairs",
        photos=photos,
        now=now,
    )


def accept(grid, hazard, actor="principal", assignee="teacher", now=None, **kwargs):
    kwargs.setdefault("interim_measures", "area closed off")
    return workflow.hazard_accept(
        hazard_id=hazard.pk,
        actor=grid.users[actor],
        assignee=grid.people[assignee],
        now=now or hazard.reported_at + datetime.timedelta(minutes=30),
        **kwargs,
    )


def submit(grid, hazard, actor="teacher", now=None):
    return workflow.hazard_submit(
        hazard_id=hazard.pk,
        actor=grid.users[actor],
        note="Replaced",
        photos=[clean_photo()],
        now=now or hazard.reported_at + datetime.timedelta(hours=2),
    )
