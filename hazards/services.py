"""Hazard set-up for a school: its categories and clock settings."""

import json
from pathlib import Path

from grids.models import School

from .clock import settings_for
from .models import HazardCategory

CATEGORIES_FILE = Path(__file__).parent / "data" / "categories.json"


def categories_seed_defaults(school: School) -> list[HazardCategory]:
    """The default categories from the data file; existing codes are kept as they are."""
    entries = json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))
    categories = []
    for order, entry in enumerate(entries):
        category, _created = HazardCategory.objects.get_or_create(
            school=school,
            code=entry["code"],
            defaults={"name": entry["name"], "sort_order": order},
        )
        categories.append(category)
    return categories


def school_setup(school: School) -> None:
    """Everything a new school needs before its staff report hazards."""
    categories_seed_defaults(school)
    settings_for(school)
