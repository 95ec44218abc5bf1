"""Photo intake: what a phone sends is verified, defused, straightened, stripped and shrunk."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from hazards.photos import NOT_AN_IMAGE, TOO_LARGE, TOO_MANY_PIXELS, process_photo

from .helpers import image_bytes, upload


def opened(content_file) -> Image.Image:
    return Image.open(io.BytesIO(content_file.read()))


def huge_png(width=30000, height=30000) -> bytes:
    """A tiny file whose header claims a gigapixel image: a decompression bomb."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_photo_is_reencoded_without_metadata():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPS IFD: where the photo was taken
    result = opened(process_photo(upload(content=image_bytes(exif=exif.tobytes()))))
    assert result.format == "JPEG"
    assert not result.getexif()
    assert "exif" not in result.info


def test_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees to display
    result = opened(process_photo(upload(content=image_bytes(size=(200, 100), exif=exif))))
    assert result.size == (100, 200)


def test_long_side_is_at_most_2048():
    result = opened(process_photo(upload(content=image_bytes(size=(4000, 3000)))))
    assert result.size == (2048, 1536)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted(fmt):
    result = opened(process_photo(upload(name=f"p.{fmt.lower()}", content=image_bytes(fmt=fmt))))
    assert result.format == "JPEG"


def test_a_text_file_renamed_jpg_is_refused():
    with pytest.raises(ValidationError) as error:
        process_photo(upload(name="notes.jpg", content=b"this is not a photo\n" * 100))
    assert error.value.messages == [str(NOT_AN_IMAGE % {"name": "notes.jpg"})]


def test_a_gif_is_refused():
    with pytest.raises(ValidationError):
        process_photo(upload(name="a.gif", content=image_bytes(fmt="GIF")))


def test_a_decompression_bomb_is_refused():
    with pytest.raises(ValidationError) as error:
        process_photo(upload(name="bomb.png", content=huge_png()))
    assert error.value.messages == [str(TOO_MANY_PIXELS % {"name": "bomb.png"})]


def test_more_than_10_mb_is_refused():
    with pytest.raises(ValidationError) as error:
        process_photo(upload(name="big.jpg", content=b"\xff" * (11 * 1024 * 1024)))
    assert error.value.messages == [str(TOO_LARGE % {"name": "big.jpg"})]
