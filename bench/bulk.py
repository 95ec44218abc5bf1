"""Bulk row writer for the generators: COPY on PostgreSQL, executemany on SQLite.

Rows are dicts of attribute names (`cell_id`, not `cell`); every concrete field the dict
leaves out gets the model field's default, so a column added later with a default needs no
change here. Primary keys are handed out by the writer (`ids`), so rows can refer to rows
written in the same run without reading them back; the PostgreSQL sequences are moved past
them by `finish()`.
"""

import datetime
import itertools

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

BATCH = 5000


class Writer:
    def __init__(self):
        self.vendor = connection.vendor
        self._next: dict[type, int] = {}
        self.written: dict[str, int] = {}
        self._touched: set[type] = set()

    def ids(self, model, count: int) -> range:
        """`count` fresh primary keys for `model`."""
        if model not in self._next:
            top = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
            self._next[model] = top + 1
        start = self._next[model]
        self._next[model] = start + count
        return range(start, start + count)

    def insert(self, model, rows) -> int:
        """Write `rows` (an iterable of dicts). Returns how many were written."""
        fields = [f for f in model._meta.concrete_fields]
        columns = [f.column for f in fields]
        now = timezone.now()
        defaults = {}
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                defaults[f.attname] = now if isinstance(f, models.DateTimeField) else now.date()
            elif f.has_default():
                defaults[f.attname] = None  # computed per row (callables such as uuid4)
            else:
                defaults[f.attname] = None if f.null else _empty(f)

        pk = model._meta.pk.attname
        self.ids(model, 0)  # read the current top id now: no query may run during a COPY

        def prepared(row):
            if pk not in row:
                row[pk] = self.ids(model, 1)[0]
            values = []
            for f in fields:
                if f.attname in row:
                    value = row[f.attname]
                elif f.has_default():
                    value = f.get_default()
                else:
                    value = defaults[f.attname]
                values.append(f.get_db_prep_save(value, connection))
            return values

        table = model._meta.db_table
        total = 0
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
                with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(prepared(row))
                        total += 1
            else:
                marks = ", ".join(["%s"] * len(columns))
                quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
                sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})'
                iterator = iter(rows)
                while batch := [prepared(r) for r in itertools.islice(iterator, BATCH)]:
                    cursor.executemany(sql, batch)
                    total += len(batch)
        self.written[table] = self.written.get(table, 0) + total
        self._touched.add(model)
        return total

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids written here."""
        if self.vendor != "postgresql" or not self._touched:
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self._touched)):
                cursor.execute(sql)


def _empty(field):
    if isinstance(field, (models.CharField, models.TextField)):
        return ""
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return datetime.date.today()
    if isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
        return 0
    return None
