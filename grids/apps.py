from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Safety grid")

    def ready(self):
        from .models import Assignment, BureauMember, GridCell, GridCellUserObjectPermission
        from .signals import bump_on_change

        bump_on_change(GridCellUserObjectPermission, GridCell, Assignment, BureauMember)
