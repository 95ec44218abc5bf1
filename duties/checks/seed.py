"""Seeding the checks from the duty library's data file, and the demo school's terms."""

import datetime
import json
from pathlib import Path

from django.db import transaction

from grids.models import School
from hazards.models import HazardCategory

from ..models import Duty
from ..services import LIBRARY_FILE
from .models import CheckItem, CheckTemplate, Term
from .services import check_runs_open

DEMO_TERMS_FILE = Path(__file__).resolve().parents[1] / "data" / "demo_terms.json"


@transaction.atomic
def check_library_seed(school: School) -> int:
    """The library's checks for a school that has none yet; edited checks are left alone.
    A check whose duty the school no longer has is skipped. Returns the checks created."""
    if CheckTemplate.objects.filter(duty__school=school).exists():
        return 0
    entries = json.loads(LIBRARY_FILE.read_text(encoding="utf-8")).get("checks", [])
    duties = {
        (duty.post.code, duty.text): duty
        for duty in Duty.objects.filter(school=school, post__isnull=False).select_related("post")
    }
    categories = {c.code: c for c in HazardCategory.objects.filter(school=school)}
    created = 0
    for entry in entries:
        duty = duties.get((entry["post"], entry["duty"]))
        if duty is None:
            continue
        template = CheckTemplate.objects.create(
            duty=duty,
            title=entry["title"],
            frequency=entry["frequency"],
            instructions=entry.get("instructions", ""),
            hazard_category=categories.get(entry.get("category", "")),
        )
        CheckItem.objects.bulk_create(
            CheckItem(
                template=template,
                label=item["label"],
                kind=item["kind"],
                required=item.get("required", True),
                low=item.get("low"),
                high=item.get("high"),
                sort_order=n,
            )
            for n, item in enumerate(entry["items"])
        )
        created += 1
    return created


def demo_terms_seed(school: School) -> None:
    """The demo's school terms, for a school that has none."""
    if Term.objects.filter(school=school).exists():
        return
    terms = json.loads(DEMO_TERMS_FILE.read_text(encoding="utf-8"))["terms"]
    Term.objects.bulk_create(
        Term(
            school=school,
            name=term["name"],
            start=datetime.date.fromisoformat(term["start"]),
            end=datetime.date.fromisoformat(term["end"]),
        )
        for term in terms
    )


def demo_checks_seed(school: School) -> None:
    """Terms, the library's checks, and today's checks opened (all idempotent)."""
    demo_terms_seed(school)
    check_library_seed(school)
    check_runs_open(school_ids=[school.pk])
