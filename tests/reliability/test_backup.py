"""Backup and restore as docs/DEPLOY.md describes them: pg_dump in custom format, the media
folder as a tar archive; restored into an empty database and an empty folder, every hazard,
event and photo is there, and every photo's file with the same bytes."""

import subprocess
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from hazards.models import Delivery, Hazard, HazardEvent, HazardPhoto, Notification

from ..conftest import build_grid
from ..hazards.helpers import accept, clean_photo, report, submit
from .conftest import binary, database_url, require_postgres

TABLES = {
    "hazards_hazard": Hazard,
    "hazards_hazardevent": HazardEvent,
    "hazards_hazardphoto": HazardPhoto,
    "hazards_notification": Notification,
    "hazards_delivery": Delivery,
}


@pytest.mark.postgres
def test_a_dump_restores_into_an_empty_database_with_every_record_and_photo(
    transactional_db, tmp_path, settings
):
    require_postgres()
    pg_dump, pg_restore = binary("pg_dump", "postgres"), binary("pg_restore", "postgres")
    settings.MEDIA_ROOT = tmp_path / "media"
    grid = build_grid()
    for cell in ("class1", "class2", "gate"):
        report(grid, reporter="principal", cell=cell, photos=[clean_photo(), clean_photo()])
    closed = Hazard.objects.get(cell=grid.cells["class1"])
    accept(grid, closed, actor="principal", assignee="teacher")
    submit(grid, closed, actor="teacher")
    counts = {table: model.objects.count() for table, model in TABLES.items()}
    assert counts["hazards_hazard"] == 3 and counts["hazards_hazardphoto"] == 7
    assert counts["hazards_hazardevent"] == 5
    originals = {p.image.name: Path(p.image.path).read_bytes() for p in HazardPhoto.objects.all()}

    # Back up: the database and the media folder.
    dump = tmp_path / "gridsafety.dump"
    subprocess.run(
        [pg_dump, "--format=custom", "--file", str(dump), "--dbname", database_url()], check=True
    )
    archive = tmp_path / "media.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(settings.MEDIA_ROOT, arcname=".")

    # Restore into an empty database and an empty folder.
    restored = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        cursor.execute(f'CREATE DATABASE "{restored}" TEMPLATE template0')
    try:
        target = database_url().rsplit("/", 1)[0] + f"/{restored}"
        subprocess.run(
            [pg_restore, "--no-owner", "--exit-on-error", "--dbname", target, str(dump)],
            check=True,
        )
        media = tmp_path / "restored-media"
        with tarfile.open(archive) as tar:
            tar.extractall(media, filter="data")

        with psycopg.connect(target) as db:
            for table, count in counts.items():
                assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == count, table
            numbers = {row[0] for row in db.execute("SELECT number FROM hazards_hazard")}
            names = [row[0] for row in db.execute("SELECT image FROM hazards_hazardphoto")]
            migrated = db.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
        assert numbers == set(Hazard.objects.values_list("number", flat=True))
        assert sorted(names) == sorted(originals)
        for name in names:
            assert (media / name).read_bytes() == originals[name]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_migrations")
            assert cursor.fetchone()[0] == migrated
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
