import datetime

MONDAY = datetime.date(2026, 12, 7)  # the week the tests plan, seen from its Monday


def day(n: int) -> datetime.date:
    return MONDAY + datetime.timedelta(days=n)
