"""A profile photo as the Hub keeps it: decoded, and written again from its pixels alone.

Nothing of the uploaded file but its picture survives: no EXIF (a phone's photo carries
where it was taken), no XMP, no comments, no text chunks, and so no script hidden in any of
them. Only JPEG and PNG are accepted, by what the bytes are, never by the file's name or
the type the browser claims. Pictures are scaled down to PHOTO_MAX_SIDE, enough to know a
child by; a picture that would decode to more than PHOTO_MAX_PIXELS is refused unread
(a "decompression bomb").
"""

import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from PIL import Image, ImageOps, UnidentifiedImageError

# A camera's JPEG with a second picture in it (MPO) is a JPEG too: many phones save those.
ACCEPTED = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png"}
PHOTO_MAX_SIDE = 1600
PHOTO_MAX_PIXELS = 50_000_000
NOT_A_PHOTO = "The file must be a photo saved as JPEG or PNG."


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def clean(data: bytes) -> CleanPhoto:
    """The photo in `data`, re-encoded without metadata; ValidationError if it is not a
    JPEG or PNG picture this can read."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if kind not in ACCEPTED:
                raise ValidationError(NOT_A_PHOTO)
            if probe.width * probe.height > PHOTO_MAX_PIXELS:
                raise ValidationError("The photo is too large a picture. Send a smaller one.")
            probe.load()
            # A phone's photo is stored on its side with an orientation tag: turn it the
            # right way up before the tag is dropped with the rest of the metadata.
            picture = ImageOps.exif_transpose(probe)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(NOT_A_PHOTO) from None
    picture.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    if picture.mode not in ("RGB", "RGBA", "L", "LA"):
        picture = picture.convert("RGBA")
    # A new picture from the pixels alone: Pillow writes some of an image's `info` (a
    # JPEG's comment, its ICC profile) back when saving, so nothing of it may come along.
    picture = Image.frombytes(picture.mode, picture.size, picture.tobytes())
    out = io.BytesIO()
    if ACCEPTED[kind] == "image/jpeg":
        picture = picture.convert("RGB")
        # Pixels only: no exif=, icc_profile= or comment= is passed, so none is written.
        picture.save(out, "JPEG", quality=85, optimize=True)
    else:
        picture.save(out, "PNG", optimize=True)  # no pnginfo=: no text chunks
    content = out.getvalue()
    return CleanPhoto(
        content=content,
        content_type=ACCEPTED[kind],
        width=picture.width,
        height=picture.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def served(photo) -> HttpResponse:
    """A stored photo as its one way out (the page's and the API's, after their access check):
    its bytes read only now, never cached by a browser or proxy, never sniffed as anything but
    the image it is, and sandboxed should anything open it as a page."""
    content = type(photo).objects.values_list("content", flat=True).get(pk=photo.pk)
    response = HttpResponse(bytes(content), content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
