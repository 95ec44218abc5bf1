"""Excel import of people and of the grid: check every row, preview, then all or nothing.

A workbook may hold any of three sheets (`reports.imports_sheets`): people, grid cells, and
assignments. Rows are
matched by code (a person's staff number, a cell's code), so importing the same file twice
changes nothing the second time.

`import_run` does the whole import inside one transaction under the school's lock, writing
cells and assignments through `grids.services` (which check the grid's rules), and rolls it
all back when it is a dry run or when any row has a problem. The preview is therefore the
real import, undone.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from grids import services
from grids.models import (
    MAX_LEVEL,
    Assignment,
    Carve,
    GridCell,
    Person,
    PersonKind,
    Role,
    School,
    Scope,
)

from .imports_sheets import SHEETS, Problem, Row, Sheet, norm

REQUIRED = gettext_lazy("This column is required.")
TOO_LONG = gettext_lazy("At most %(limit)d characters.")
NOT_A_CHOICE = gettext_lazy("Use one of: %(choices)s.")
NOT_A_LEVEL = gettext_lazy("The level must be a whole number from 1 to 4.")
NOT_A_DATE = gettext_lazy("Not a date; write it as 2026-09-01.")
DUPLICATE = gettext_lazy("The code %(code)s appears again in row %(row)d.")
DUPLICATE_ASSIGNMENT = gettext_lazy("The same assignment appears again in row %(row)d.")
UNKNOWN_PARENT = gettext_lazy("No cell has the code %(code)s, in this file or in the school.")
UNKNOWN_CELL = gettext_lazy("No cell has the code %(code)s, in this file or in the school.")
UNKNOWN_PERSON = gettext_lazy(
    "No person has the staff number %(code)s, in this file or in the school."
)
UNKNOWN_ROLE = gettext_lazy("No role is called %(role)s in this school.")
LEVEL_MISMATCH = gettext_lazy("The level is %(level)d but the parent cell is at level %(parent)d.")
ROOT_LEVEL = gettext_lazy("A cell without a parent is the level-1 cell.")
CYCLE = gettext_lazy("The cell is its own ancestor through its parent codes.")
LOGIN_TAKEN = gettext_lazy("The login name %(username)s is already someone else's.")
LOGIN_DIFFERENT = gettext_lazy(
    "The person already logs in as %(username)s; change login names in the administration."
)


@dataclass
class Result:
    problems: list[Problem] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> list[tuple[str, int, int, int]]:
        return [
            (
                str(spec.title),
                self.created[spec.key],
                self.updated[spec.key],
                self.unchanged[spec.key],
            )
            for spec in SHEETS
            if spec.key in self.created or spec.key in self.updated or spec.key in self.unchanged
        ]


class _Rollback(Exception):
    pass


# Checking and applying -----------------------------------------------------------------


class _Run:
    """One import over one school; collects problems instead of stopping at the first."""

    def __init__(self, school: School, sheets: list[Sheet], actor, today):
        self.school = school
        self.sheets = {sheet.spec.key: sheet for sheet in sheets}
        self.actor = actor
        self.today = today
        self.result = Result()

    def problem(self, sheet: Sheet, row: Row, key: str, message) -> None:
        column = sheet.label(key) if key else ""
        self.result.problems.append(Problem(sheet.title, row.number, column, str(message)))

    def service_problem(self, sheet, row, error: ValidationError, columns: dict) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.message_dict.items():
                for message in errors:
                    self.problem(sheet, row, columns.get(name, ""), message)
        else:
            for message in error.messages:
                self.problem(sheet, row, "", message)

    def check_fields(self, sheet: Sheet) -> list[Row]:
        """Required values and lengths; returns the rows without such problems."""
        good = []
        for row in sheet.rows:
            ok = True
            for f in sheet.spec.fields:
                value = row.values.get(f.key, "")
                if f.required and not value:
                    self.problem(sheet, row, f.key, REQUIRED)
                    ok = False
                elif f.max_length and len(value) > f.max_length:
                    self.problem(sheet, row, f.key, TOO_LONG % {"limit": f.max_length})
                    ok = False
            if ok:
                good.append(row)
        return good

    def choice(self, sheet, row, key, choices, default):
        """A TextChoices value from its label in either language, or its code."""
        value = row.values.get(key, "")
        if not value:
            return default
        for code, label in choices.choices:
            with translation.override("en"):
                english = str(label)
            if norm(value) in {norm(code), norm(english), norm(str(label))}:
                return code
        self.problem(
            sheet, row, key, NOT_A_CHOICE % {"choices": ", ".join(str(c.label) for c in choices)}
        )
        return None

    def unique(self, sheet, rows, key) -> list[Row]:
        seen, good = {}, []
        for row in rows:
            code = row.values[key]
            if code in seen:
                self.problem(sheet, row, key, DUPLICATE % {"code": code, "row": seen[code]})
                continue
            seen[code] = row.number
            good.append(row)
        return good

    # People

    def people(self) -> None:
        sheet = self.sheets.get("people")
        if sheet is None:
            return
        good = self.check_fields(sheet)
        checked = {id(row) for row in good}
        for row in sheet.rows:
            if id(row) not in checked:  # still report what else is wrong with it
                self.choice(sheet, row, "kind", PersonKind, PersonKind.STAFF)
        rows = self.unique(sheet, good, "code")
        existing = {
            p.code: p
            for p in Person.objects.filter(school=self.school)
            .exclude(code="")
            .select_related("user")
        }
        User = get_user_model()
        for row in rows:
            values = row.values
            kind = self.choice(sheet, row, "kind", PersonKind, PersonKind.STAFF)
            if kind is None:
                continue
            person = existing.get(values["code"])
            fields = {"name": values["name"], "kind": kind}
            for key in ("phone", "title", "department"):
                if key in values:
                    fields[key] = values[key]
            if person is None:
                person = Person(school=self.school, code=values["code"], **fields)
                changed = list(fields)
                created = True
            else:
                changed = [k for k, v in fields.items() if getattr(person, k) != v]
                for key in changed:
                    setattr(person, key, fields[key])
                created = False
            username = values.get("username", "")
            new_user = None
            if username:
                if person.user_id is not None:
                    if person.user.get_username() != username:
                        self.problem(
                            sheet,
                            row,
                            "username",
                            LOGIN_DIFFERENT % {"username": person.user.get_username()},
                        )
                        continue
                elif User.objects.filter(username=username).exists():
                    self.problem(sheet, row, "username", LOGIN_TAKEN % {"username": username})
                    continue
                else:
                    new_user = User(username=username)
                    new_user.set_unusable_password()  # the admin sets a password to let them in
            if not (created or changed or new_user):
                self.result.unchanged["people"] += 1
                continue
            try:
                with transaction.atomic():
                    if new_user is not None:
                        new_user.full_clean(exclude=["password"])
                        new_user.save()
                        person.user = new_user
                        changed.append("user")
                    if created or changed:
                        person.full_clean(exclude=["school", "user"])  # both set here
                        person.save() if created else person.save(update_fields=changed)
            except ValidationError as error:
                self.service_problem(
                    sheet, row, error, {k: k for k in values} | {"username": "username"}
                )
                continue
            except IntegrityError:
                self.problem(sheet, row, "code", DUPLICATE % {"code": values["code"], "row": 0})
                continue
            counter = (
                self.result.created
                if created
                else self.result.updated
                if changed
                else self.result.unchanged
            )
            counter["people"] += 1

    # Cells

    def cells(self) -> None:
        sheet = self.sheets.get("cells")
        if sheet is None:
            return
        good = self.check_fields(sheet)
        checked = {id(row) for row in good}
        for row in sheet.rows:
            if id(row) not in checked:  # still report what else is wrong with it
                self.choice(sheet, row, "scope", Scope, Scope.INSIDE)
                self.choice(sheet, row, "carve", Carve, Carve.SPACE)
        rows = self.unique(sheet, good, "code")
        by_code = {c.code: c for c in GridCell.objects.filter(school=self.school)}
        in_file = {row.values["code"]: row for row in rows}
        levels = {}
        ready = []
        for row in rows:
            values = row.values
            try:
                level = int(values["level"])
            except ValueError:
                level = 0
            if not 1 <= level <= MAX_LEVEL:
                self.problem(sheet, row, "level", NOT_A_LEVEL)
                continue
            scope = self.choice(sheet, row, "scope", Scope, Scope.INSIDE)
            carve = self.choice(sheet, row, "carve", Carve, Carve.SPACE)
            if scope is None or carve is None:
                continue
            parent = values.get("parent", "")
            if not parent and level != 1:
                self.problem(sheet, row, "level", ROOT_LEVEL)
                continue
            if parent and parent not in in_file and parent not in by_code:
                self.problem(sheet, row, "parent", UNKNOWN_PARENT % {"code": parent})
                continue
            levels[values["code"]] = level
            ready.append((row, level, scope, carve))
        for row, level, _scope, _carve in ready:
            parent = row.values.get("parent", "")
            if not parent:
                continue
            if self._cyclic(row.values["code"], in_file):
                self.problem(sheet, row, "parent", CYCLE)
                levels.pop(row.values["code"], None)
                continue
            parent_level = levels.get(parent) or (by_code[parent].level if parent in by_code else 0)
            if parent_level and parent_level + 1 != level:
                self.problem(
                    sheet, row, "level", LEVEL_MISMATCH % {"level": level, "parent": parent_level}
                )
        if self.result.problems:
            return  # the tree is written only from a sheet without problems
        columns = {
            "parent": "parent",
            "code": "code",
            "name": "name",
            "scope": "scope",
            "carve": "carve",
            "description": "description",
            "spot": "spot",
            "duties": "duties",
            "__all__": "",
        }
        for row, _level, scope, carve in sorted(ready, key=lambda item: item[1]):
            values = row.values
            wanted = {"name": values["name"], "scope": scope, "carve": carve}
            for key in ("description", "spot", "duties"):
                if key in values:
                    wanted[key] = values[key]
            parent = by_code.get(values.get("parent", "")) if values.get("parent") else None
            cell = by_code.get(values["code"])
            try:
                if cell is None:
                    by_code[values["code"]] = services.cell_create(
                        school=self.school, parent=parent, code=values["code"], **wanted
                    )
                    self.result.created["cells"] += 1
                    continue
                changed = [k for k, v in wanted.items() if getattr(cell, k) != v]
                if cell.parent_id != (parent.pk if parent else None):
                    cell.parent = parent
                    changed.append("parent")
                if not changed:
                    self.result.unchanged["cells"] += 1
                    continue
                for key in changed:
                    if key != "parent":
                        setattr(cell, key, wanted[key])
                services.cell_save(cell)
                self.result.updated["cells"] += 1
            except ValidationError as error:
                self.service_problem(sheet, row, error, columns)

    def _codes(self, sheet_key: str, key: str) -> set[str]:
        sheet = self.sheets.get(sheet_key)
        return {row.values.get(key, "") for row in sheet.rows} if sheet else set()

    @staticmethod
    def _cyclic(code, in_file) -> bool:
        seen = {code}
        parent = in_file[code].values.get("parent", "")
        while parent and parent in in_file:
            if parent in seen:
                return True
            seen.add(parent)
            parent = in_file[parent].values.get("parent", "")
        return False

    # Assignments

    def assignments(self) -> None:
        sheet = self.sheets.get("assignments")
        if sheet is None:
            return
        rows = self.check_fields(sheet)
        cells = {c.code: c for c in GridCell.objects.filter(school=self.school)}
        people = {p.code: p for p in Person.objects.filter(school=self.school).exclude(code="")}
        roles = {}
        for role in Role.objects.filter(school=self.school):
            roles[norm(role.code)] = role
            roles[norm(role.name)] = role
        seen = {}
        ready = []
        for row in rows:
            values = row.values
            cell = cells.get(values["cell"])
            person = people.get(values["person"])
            role = roles.get(norm(values["role"]))
            # A code from this file's other sheets whose row had a problem: already reported.
            if cell is None and values["cell"] not in self._codes("cells", "code"):
                self.problem(sheet, row, "cell", UNKNOWN_CELL % {"code": values["cell"]})
            if person is None and values["person"] not in self._codes("people", "code"):
                self.problem(sheet, row, "person", UNKNOWN_PERSON % {"code": values["person"]})
            if role is None:
                self.problem(sheet, row, "role", UNKNOWN_ROLE % {"role": values["role"]})
            day = self.today
            if values.get("valid_from"):
                try:
                    day = datetime.date.fromisoformat(values["valid_from"][:10])
                except ValueError:
                    self.problem(sheet, row, "valid_from", NOT_A_DATE)
                    continue
            if None in (cell, person, role):
                continue
            key = (cell.pk, person.pk, role.pk)
            if key in seen:
                self.problem(sheet, row, "", DUPLICATE_ASSIGNMENT % {"row": seen[key]})
                continue
            seen[key] = row.number
            ready.append((row, cell, person, role, day))
        if self.result.problems:
            return
        held = set(
            Assignment.objects.current(self.today)
            .filter(cell__school=self.school)
            .values_list("cell_id", "person_id", "role_id")
        )
        for row, cell, person, role, day in ready:
            if (cell.pk, person.pk, role.pk) in held:
                self.result.unchanged["assignments"] += 1
                continue
            try:
                services.assignment_replace(
                    cell=cell, role=role, person=person, on=day, actor=self.actor
                )
            except ValidationError as error:
                self.service_problem(sheet, row, error, {})
                continue
            self.result.created["assignments"] += 1


def import_run(*, school: School, sheets: list[Sheet], actor, dry_run: bool) -> Result:
    """Check and apply the sheets in one transaction; undo it all on a dry run or a problem.

    Steps: lock the school; people (so assignments find them), cells in level order (so
    parents exist before children), assignments; then commit, or roll back.
    """
    run = _Run(school, sheets, actor, timezone.localdate())
    try:
        with transaction.atomic():
            School.objects.select_for_update().get(pk=school.pk)
            run.people()
            run.cells()
            run.assignments()
            if dry_run or run.result.problems:
                raise _Rollback
    except _Rollback:
        order = {spec.key: n for n, spec in enumerate(SHEETS)}
        titles = {sheet.title: order[key] for key, sheet in run.sheets.items()}
        run.result.problems.sort(key=lambda p: (titles.get(p.sheet, -1), p.row))
        return run.result
    run.result.applied = True
    return run.result


def problems_by_sheet(problems: list[Problem]) -> dict[str, list[Problem]]:
    grouped = defaultdict(list)
    for problem in problems:
        grouped[problem.sheet].append(problem)
    return dict(grouped)
