"""QR codes on cell signs (saoma shangbao): a signed link to the cell's report form.

The link carries the cell id signed with the site's key, so ids cannot be walked to find
another school's cells, and a sign keeps working when people change posts.
"""

import segno
from django.conf import settings
from django.core import signing
from django.urls import reverse

from grids.models import GridCell

SALT = "gridsafety.hazards.qr"


def cell_token(cell: GridCell) -> str:
    return signing.Signer(salt=SALT).sign(str(cell.pk))


def cell_from_token(token: str) -> GridCell | None:
    try:
        pk = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return GridCell.objects.select_related("school").filter(pk=pk).first()


def cell_url(cell: GridCell) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('qr', args=[cell_token(cell)])}"


def qr_svg(url: str) -> str:
    """An inline SVG of the QR code (no script, no style attribute: fine under a strict CSP)."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=6, border=2, omitsize=True)
