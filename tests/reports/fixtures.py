"""A small school's hazard history with known times, for numbers checked by hand.

Built through the workflow with `now=`, relative to `t0` (a Monday, 09:00 Shanghai). With
t0 = 2026-11-02 and the dashboard read at NOW (Wednesday of the third week, 12:00):

  A class1 fire    reported t0 by teacher; accepted +1h by teacher (class1's own manager);
                   submitted t0+2d, verified t0+3d by manager          closed in time, "own"
  B class2 fire    reported t0+1d by teacher2; accepted +2h by manager (a level above);
                   submitted t0+8d, verified t0+15d 10:00 (this week)  closed late, "higher"
  C gate   fire    reported t0 by guard; escalated at t0+1d 10:00; accepted t0+1d 12:00 by
                   principal (late); submitted t0+2d, verified t0+4d   closed in time, "escalated"
  E road   elec.   reported t0+8d by villager; accepted +1h by teacher (road's liaison manager),
                   due t0+15d 10:00; escalated t0+15d 11:00            open, overdue, escalated
  F class1 fire    reported t0+10d by teacher, declined +1h
  D canteen elec.  reported t0+14d by office                          open, overdue (accept)
  I class2 fire    reported NOW-1h by teacher2                         open, in time
  H gate   fire    reported 2026-08-03-like (13 weeks before t0) by guard: open, overdue, old
  G south_class    reported t0+3d in the other school
"""

import datetime

from hazards import workflow
from hazards.escalation import escalation_scan

from ..hazards.helpers import clean_photo

H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


def _report(grid, code, cell, reporter, category, now):
    school = grid.cells[cell].school
    return workflow.hazard_report(
        reporter=grid.users[reporter],
        cell=grid.cells[cell],
        category=school.hazard_categories.get(code=category),
        severity="general",
        description=f"hazard {code}",
        now=now,
    )


def _accept(grid, hazard, actor, assignee, now):
    return workflow.hazard_accept(
        hazard_id=hazard.pk, actor=grid.users[actor], assignee=grid.people[assignee], now=now
    )


def _submit(grid, hazard, actor, now):
    return workflow.hazard_submit(
        hazard_id=hazard.pk, actor=grid.users[actor], note="done", photos=[clean_photo()], now=now
    )


def _verify(grid, hazard, actor, now):
    return workflow.hazard_verify(hazard_id=hazard.pk, actor=grid.users[actor], now=now)


def build_history(grid, t0: datetime.datetime) -> dict:
    now = t0 + 16 * D + 3 * H  # Wednesday of the third week, 12:00
    h = {}
    h["A"] = _report(grid, "A", "class1", "teacher", "fire", t0)
    _accept(grid, h["A"], "teacher", "teacher", t0 + H)
    _submit(grid, h["A"], "teacher", t0 + 2 * D)
    _verify(grid, h["A"], "manager", t0 + 3 * D)

    h["C"] = _report(grid, "C", "gate", "guard", "fire", t0)
    escalation_scan(now=t0 + D + H)
    h["B"] = _report(grid, "B", "class2", "teacher2", "fire", t0 + D)
    _accept(grid, h["B"], "manager", "teacher2", t0 + D + 2 * H)
    _accept(grid, h["C"], "principal", "guard", t0 + D + 3 * H)
    _submit(grid, h["C"], "guard", t0 + 2 * D)
    _verify(grid, h["C"], "principal", t0 + 4 * D)
    _submit(grid, h["B"], "teacher2", t0 + 8 * D)

    h["E"] = _report(grid, "E", "road", "villager", "electrical", t0 + 8 * D)
    _accept(grid, h["E"], "teacher", "villager", t0 + 8 * D + H)
    h["F"] = _report(grid, "F", "class1", "teacher", "fire", t0 + 10 * D)
    workflow.hazard_decline(
        hazard_id=h["F"].pk, actor=grid.users["teacher"], reason="not ours", now=t0 + 10 * D + H
    )
    _verify(grid, h["B"], "manager", t0 + 15 * D + H)
    escalation_scan(now=t0 + 15 * D + 2 * H)

    h["D"] = _report(grid, "D", "canteen", "office", "electrical", t0 + 14 * D)
    h["I"] = _report(grid, "I", "class2", "teacher2", "fire", now - H)
    h["H"] = _report(grid, "H", "gate", "guard", "fire", t0 - 13 * 7 * D)
    h["G"] = _report(grid, "G", "south_class", "outsider", "fire", t0 + 3 * D)
    for hazard in h.values():
        hazard.refresh_from_db()
    return {"now": now, "hazards": h}
