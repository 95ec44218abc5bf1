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
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
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
        # One converter per column, chosen once: Django's get_db_prep_save on every value
        # was most of a county's generation time.
        conn = connections[DEFAULT_DB_ALIAS]
        plan = [
            (f.attname, f.has_default(), f.get_default, defaults[f.attname], _converter(f, conn))
            for f in fields
        ]

        def prepared(row):
            if pk not in row:
                row[pk] = self.ids(model, 1)[0]
            values = []
            for attname, has_default, get_default, default, convert in plan:
                if attname in row:
                    value = row[attname]
                elif has_default:
                    value = get_default()
                else:
                    value = default
                values.append(convert(value))
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


_INTEGERS = (
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
)
_STRINGS = (models.CharField, models.TextField, models.SlugField, models.EmailField)


def _converter(field, conn):
    """A function giving the database value of `field` for a Python value: the value itself
    where Django's preparation would hand it on unchanged (an int for an integer column, a str
    for a text column, an aware datetime or a date on PostgreSQL, None), else Django's own
    `get_db_prep_save`. Field classes are matched exactly: a subclass may prepare values."""
    prep = field.get_db_prep_save
    kind = type(field.target_field if field.is_relation else field)
    if kind in _INTEGERS:
        plain = (int, type(None))
    elif kind in _STRINGS and not field.is_relation:
        plain = (str, type(None))
    elif kind is models.BooleanField:
        plain = (bool, type(None))
    elif conn.vendor == "postgresql" and kind is models.DateField and not field.is_relation:
        plain = (datetime.date, type(None))
    elif conn.vendor == "postgresql" and kind is models.DateTimeField and not field.is_relation:

        def convert(value):
            if value is None or (type(value) is datetime.datetime and value.tzinfo is not None):
                return value
            return prep(value, conn)

        return convert
    else:
        return lambda value: prep(value, conn)

    def convert(value):
        return value if type(value) in plain else prep(value, conn)

    return convert


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
