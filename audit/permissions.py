"""Who reads the security log: a school's admins, for their school only."""

from django.db.models import QuerySet

from grids import access

from .models import SecurityEvent


def visible_events(user) -> QuerySet[SecurityEvent]:
    return SecurityEvent.objects.filter(school__in=access.administered_schools(user))


def can_read_log(user) -> bool:
    return access.administered_schools(user).exists()
