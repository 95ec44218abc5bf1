from grids import access


def reports_nav(request):
    """Whether the navigation offers the dashboard: to those who cover cells, counted only
    when a page shows the navigation."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    return {"reports_nav": lambda: access.covered_cells(user).exists()}
