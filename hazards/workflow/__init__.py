"""Every write to a hazard: the closed loop's steps and the escalation steps.

Each step runs in one transaction, re-reads the hazard under a row lock, checks the form's
version (so a stale page is told, never silently applied), the transition table and the
actor's right, saves named fields, appends one HazardEvent and writes the inbox rows of
those who must act next. Views, the admin and tasks call these functions and nothing else.
"""

from .escalate import STAGE_OF_STATUS, escalations_apply
from .loop import (
    TRANSITIONS,
    StaleHazard,
    TooManyReports,
    deliver_after_commit,
    hazard_accept,
    hazard_change_deadline,
    hazard_decline,
    hazard_reassign,
    hazard_reject,
    hazard_report,
    hazard_report_anonymous,
    hazard_submit,
    hazard_verify,
)

__all__ = [
    "STAGE_OF_STATUS",
    "TRANSITIONS",
    "StaleHazard",
    "TooManyReports",
    "deliver_after_commit",
    "escalations_apply",
    "hazard_accept",
    "hazard_change_deadline",
    "hazard_decline",
    "hazard_reassign",
    "hazard_reject",
    "hazard_report",
    "hazard_report_anonymous",
    "hazard_submit",
    "hazard_verify",
]
