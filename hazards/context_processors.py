from .selectors import unread_count


def inbox(request):
    """The header's unread count, counted only when a page shows it."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    return {"inbox_unread": lambda: unread_count(user)}
