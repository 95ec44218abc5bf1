"""Photo intake: verify, defuse, straighten, strip and shrink what a phone uploads.

A photo is opened with Pillow (so a renamed text file fails), refused above the pixel
limit (decompression bombs), turned upright from its EXIF orientation, then re-encoded as a
fresh JPEG with no metadata at all (GPS included), its long side at most 2048 px.
"""

import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; a bomb claims far more
LONG_SIDE = 2048
FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PHOTOS = 6

TOO_LARGE = _("%(name)s is larger than 10 MB.")
NOT_AN_IMAGE = _("%(name)s is not a JPEG, PNG or WebP photo.")
TOO_MANY_PIXELS = _("%(name)s has too many pixels to be a photo.")
TOO_MANY_PHOTOS = _("Up to 6 photos at a time.")


def process_photo(upload) -> ContentFile:
    """A cleaned JPEG from an uploaded file, or a ValidationError that names the file."""
    name = {"name": getattr(upload, "name", "") or "?"}
    if upload.size > MAX_BYTES:
        raise ValidationError(TOO_LARGE % name, code="too_large")
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                if probe.format not in FORMATS:
                    raise ValidationError(NOT_AN_IMAGE % name, code="format")
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationError(TOO_MANY_PIXELS % name, code="pixels")
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image = _flatten(image)
                image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                image.save(out, format="JPEG", quality=85, optimize=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(TOO_MANY_PIXELS % name, code="pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(NOT_AN_IMAGE % name, code="format") from None
    return ContentFile(out.getvalue(), name="photo.jpg")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no transparency."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, "white")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")
