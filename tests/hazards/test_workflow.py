"""The closed loop: every allowed step, every forbidden one, and what each leaves behind."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hazards import workflow
from hazards.models import Action, HazardEvent, Notification, Status

from .helpers import T0, accept, clean_photo, report, submit

H = datetime.timedelta(hours=1)


def events(hazard):
    return list(HazardEvent.objects.filter(hazard=hazard).values_list("action", flat=True))


def inbox(grid, persona):
    return set(
        Notification.objects.filter(recipient=grid.users[persona]).values_list("reason", flat=True)
    )


def test_report_numbers_deadline_and_tells_the_cells_manager(grid):
    hazard = report(grid, reporter="guard", cell="class1")
    second = report(grid, reporter="guard", cell="class1")
    assert hazard.number == "YH-20261102-0001"
    assert second.number == "YH-20261102-0002"
    assert hazard.status == Status.REPORTED
    assert hazard.accept_due_at == T0 + 24 * H
    assert events(hazard) == [Action.REPORT]
    assert inbox(grid, "teacher") == {"to_accept"}  # the class teacher manages the class
    assert inbox(grid, "principal") == set()


def test_numbers_are_per_school(grid):
    report(grid)
    other = workflow.hazard_report(
        reporter=grid.users["south_teacher"],
        cell=grid.cells["south_class"],
        category=grid.other_school.hazard_categories.first(),
        severity="general",
        description="x",
        now=T0,
    )
    assert other.number == "YH-20261102-0001"


def test_numbers_count_the_schools_local_day(grid):
    # Shanghai's day, not UTC's: 23:59 and 00:01 local are two days (both 15:59 / 16:01 UTC
    # of the same UTC day), each starting at 0001; the next one that evening follows on.
    late = T0.replace(hour=23, minute=59)
    assert report(grid, now=late).number == "YH-20261102-0001"
    assert report(grid, now=late + 2 * datetime.timedelta(minutes=1)).number == ("YH-20261103-0001")
    assert report(grid, now=T0).number == "YH-20261102-0002"
    assert report(grid, now=late + 3 * datetime.timedelta(minutes=1)).number == ("YH-20261103-0002")


def test_a_major_hazard_reaches_level_1_at_once(grid):
    hazard = report(grid, reporter="guard", cell="canteen", severity="major")
    assert hazard.accept_due_at == T0 + 1 * H
    assert inbox(grid, "principal") == {"major"}
    # The cook who holds the canteen has no login; the office head above is told instead.
    assert inbox(grid, "office") == {"to_accept"}


def test_a_gap_reaches_the_nearest_manager_above(grid):
    from grids.models import Assignment

    Assignment.objects.filter(cell=grid.cells["gate"]).update(valid_to=datetime.date(2026, 10, 1))
    from grids import services

    services.cell_permissions_sync(grid.school)
    report(grid, reporter="teacher", cell="gate")
    assert inbox(grid, "guard") == set()
    # The heads of security and logistics above the gate have no login: the principal is told.
    assert inbox(grid, "principal") == {"to_accept"}


def test_reporting_elsewhere_is_refused(grid):
    with pytest.raises(PermissionDenied):
        workflow.hazard_report(
            reporter=grid.users["teacher"],
            cell=grid.cells["south_class"],
            category=grid.school.hazard_categories.first(),
            severity="general",
            description="x",
        )


def test_the_whole_loop(grid):
    hazard = report(grid, reporter="guard", cell="class2")
    accept(grid, hazard, actor="manager", assignee="teacher2")
    hazard.refresh_from_db()
    assert hazard.status == Status.RECTIFYING
    assert hazard.rectify_due_at == hazard.accepted_at + 7 * 24 * H
    assert inbox(grid, "teacher2") == {"to_accept", "to_rectify"}  # manages class2 too

    submit(grid, hazard, actor="teacher2")
    hazard.refresh_from_db()
    assert hazard.status == Status.VERIFYING
    assert hazard.photos.filter(kind="after").count() == 1
    # teacher2 manages class2 and rectified it, so the level above is asked to verify.
    assert "to_verify" not in inbox(grid, "teacher2")
    # The grade head above has no login, so it is the teaching area's manager.
    assert "to_verify" in inbox(grid, "manager")

    workflow.hazard_verify(hazard_id=hazard.pk, actor=grid.users["manager"], note="checked")
    hazard.refresh_from_db()
    assert hazard.status == Status.CLOSED and hazard.closed_at is not None
    assert events(hazard) == [Action.REPORT, Action.ACCEPT, Action.SUBMIT, Action.VERIFY]
    assert "closed" in inbox(grid, "guard")
    assert hazard.version == 4


def test_the_rectifier_cannot_verify_their_own_work(grid):
    """Two-person sign-off: teacher manages class1 and rectified it, so someone else signs."""
    hazard = report(grid, reporter="guard", cell="class1")
    accept(grid, hazard, actor="teacher", assignee="teacher")
    submit(grid, hazard, actor="teacher")
    with pytest.raises(PermissionDenied):
        workflow.hazard_verify(hazard_id=hazard.pk, actor=grid.users["teacher"])
    workflow.hazard_verify(hazard_id=hazard.pk, actor=grid.users["manager"])
    hazard.refresh_from_db()
    assert hazard.status == Status.CLOSED


def test_send_back_extends_the_deadline_with_a_reason(grid):
    hazard = report(grid, cell="class2")
    accept(grid, hazard, actor="manager", assignee="teacher2")
    submit(grid, hazard, actor="teacher2")
    new_due = T0 + 30 * 24 * H
    with pytest.raises(ValidationError):
        workflow.hazard_reject(hazard_id=hazard.pk, actor=grid.users["manager"], reason=" ")
    workflow.hazard_reject(
        hazard_id=hazard.pk,
        actor=grid.users["manager"],
        reason="still loose",
        rectify_due_at=new_due,
        now=T0 + 3 * H,
    )
    hazard.refresh_from_db()
    assert hazard.status == Status.RECTIFYING and hazard.rectify_due_at == new_due
    assert "sent_back" in inbox(grid, "teacher2")


def test_decline_needs_a_reason_and_tells_the_reporter(grid):
    hazard = report(grid, reporter="guard", cell="class2")
    with pytest.raises(ValidationError):
        workflow.hazard_decline(hazard_id=hazard.pk, actor=grid.users["manager"], reason="")
    workflow.hazard_decline(hazard_id=hazard.pk, actor=grid.users["manager"], reason="duplicate")
    hazard.refresh_from_db()
    assert hazard.status == Status.DECLINED
    assert "declined" in inbox(grid, "guard")


@pytest.mark.parametrize(
    ("step", "state_after"),
    [("decline", Status.DECLINED), ("verify", Status.CLOSED)],
)
def test_nothing_happens_after_the_loop_ends(grid, step, state_after):
    hazard = report(grid, cell="class2")
    if step == "decline":
        workflow.hazard_decline(hazard_id=hazard.pk, actor=grid.users["manager"], reason="no")
    else:
        accept(grid, hazard, actor="manager", assignee="teacher2")
        submit(grid, hazard, actor="teacher2")
        workflow.hazard_verify(hazard_id=hazard.pk, actor=grid.users["manager"])
    for attempt in [
        lambda: accept(grid, hazard, actor="manager", assignee="teacher2"),
        lambda: submit(grid, hazard, actor="teacher2"),
        lambda: workflow.hazard_verify(hazard_id=hazard.pk, actor=grid.users["manager"]),
        lambda: workflow.hazard_reject(
            hazard_id=hazard.pk, actor=grid.users["manager"], reason="x"
        ),
    ]:
        with pytest.raises(ValidationError):
            attempt()
    hazard.refresh_from_db()
    assert hazard.status == state_after


def test_wrong_state_steps_are_refused(grid):
    hazard = report(grid, cell="class2")
    with pytest.raises(ValidationError):
        submit(grid, hazard, actor="teacher2")
    with pytest.raises(ValidationError):
        workflow.hazard_verify(hazard_id=hazard.pk, actor=grid.users["manager"])
    accept(grid, hazard, actor="manager", assignee="teacher2")
    with pytest.raises(ValidationError):
        accept(grid, hazard, actor="manager", assignee="teacher2")
    assert events(hazard) == [Action.REPORT, Action.ACCEPT]


def test_wrong_people_are_refused(grid):
    hazard = report(grid, cell="class2")
    for persona in ["guard", "office", "villager", "outsider", "teacher"]:
        with pytest.raises(PermissionDenied):
            accept(grid, hazard, actor=persona, assignee="teacher2")
    accept(grid, hazard, actor="manager", assignee="teacher2")
    for persona in ["teacher", "manager", "principal"]:  # only the assignee rectifies
        with pytest.raises(PermissionDenied):
            submit(grid, hazard, actor=persona)


def test_a_stale_page_is_told_and_changes_nothing(grid):
    hazard = report(grid, cell="class2")
    seen = hazard.version
    accept(grid, hazard, actor="manager", assignee="teacher2", expected_version=seen)
    with pytest.raises(workflow.StaleHazard) as stale:
        workflow.hazard_decline(
            hazard_id=hazard.pk,
            actor=grid.users["principal"],
            reason="dup",
            expected_version=seen,
        )
    assert stale.value.hazard.status == Status.RECTIFYING
    assert events(hazard) == [Action.REPORT, Action.ACCEPT]


def test_assignee_must_hold_a_post_in_the_subtree_and_log_in(grid):
    hazard = report(grid, cell="class2")
    with pytest.raises(ValidationError):
        accept(grid, hazard, actor="principal", assignee="guard")  # gate, not class2
    with pytest.raises(ValidationError):
        accept(grid, hazard, actor="principal", assignee="grade_head")  # above, not below
    canteen = report(grid, cell="canteen")
    with pytest.raises(ValidationError):
        accept(grid, canteen, actor="principal", assignee="cook")  # no login
    accept(grid, hazard, actor="principal", assignee="teacher2")


def test_major_hazards_need_interim_measures(grid):
    hazard = report(grid, cell="class2", severity="major")
    with pytest.raises(ValidationError):
        accept(grid, hazard, actor="manager", assignee="teacher2", interim_measures="")
    accept(grid, hazard, actor="manager", assignee="teacher2", interim_measures="fenced off")
    hazard.refresh_from_db()
    assert hazard.rectify_due_at == hazard.accepted_at + 24 * H


def test_submit_needs_a_note_and_an_after_photo(grid):
    hazard = report(grid, cell="class2")
    accept(grid, hazard, actor="manager", assignee="teacher2")
    with pytest.raises(ValidationError):
        workflow.hazard_submit(hazard_id=hazard.pk, actor=grid.users["teacher2"], note="done")
    with pytest.raises(ValidationError):
        workflow.hazard_submit(
            hazard_id=hazard.pk, actor=grid.users["teacher2"], note="", photos=[clean_photo()]
        )
    hazard.refresh_from_db()
    assert hazard.status == Status.RECTIFYING


def test_reassign_and_deadline_change_keep_a_reason(grid):
    hazard = report(grid, cell="grade1")
    accept(grid, hazard, actor="manager", assignee="teacher")
    workflow.hazard_reassign(
        hazard_id=hazard.pk,
        actor=grid.users["manager"],
        assignee=grid.people["teacher2"],
        reason="teacher is away",
    )
    due = T0 + 40 * 24 * H
    workflow.hazard_change_deadline(
        hazard_id=hazard.pk,
        actor=grid.users["manager"],
        due_at=due,
        reason="parts on order",
        now=T0 + H,
    )
    hazard.refresh_from_db()
    assert hazard.assignee == grid.people["teacher2"] and hazard.rectify_due_at == due
    last = HazardEvent.objects.filter(hazard=hazard).order_by("-id")[:2]
    assert [e.note for e in last] == ["parts on order", "teacher is away"]
    with pytest.raises(ValidationError):
        workflow.hazard_change_deadline(
            hazard_id=hazard.pk,
            actor=grid.users["manager"],
            due_at=T0,
            reason="x",
            now=T0 + H,
        )


def test_deadlines_follow_the_schools_settings(grid):
    settings = grid.school.hazard_settings
    settings.accept_hours_general = 48
    settings.save()
    assert report(grid).accept_due_at == T0 + 48 * H
