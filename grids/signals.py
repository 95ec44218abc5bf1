"""The access stamp follows every save and delete of the rows that decide access.

Cache invalidation, not logic: what is kept under the stamp (the navigation's flags) must not
outlive a change made by any writer, the admin and guardian's permission pages included.
Writers that bypass these signals (bulk_create, QuerySet.update, raw SQL) call
`grids.models.access_changed()` in their transaction.
"""

from django.db.models.signals import post_delete, post_save

from .models import access_changed


def _changed(sender, **kwargs) -> None:
    access_changed()


def bump_on_change(*models) -> None:
    """Bump the stamp, in the writer's transaction, when a row of `models` is saved or deleted."""
    for model in models:
        uid = f"access-stamp-{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(_changed, sender=model, dispatch_uid=uid)
