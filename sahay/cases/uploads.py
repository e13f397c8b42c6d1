"""What a case document may be: text documents only. Sahay never holds images or video, so no upload
can carry abuse material; evidence stays with the authorities under their reference numbers.

The type is read from the file's first bytes, never from its name or the browser's claim.
"""

from __future__ import annotations

import io
import zipfile

from django.utils.translation import gettext as _

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"

# Signatures of images, video and audio, named in the refusal.
MEDIA_SIGNATURES = {
    b"\xff\xd8\xff": "JPEG",
    b"\x89PNG": "PNG",
    b"GIF8": "GIF",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
    b"\x1aE\xdf\xa3": "Matroska/WebM",
    b"OggS": "Ogg",
    b"ID3": "MP3",
    b"\x00\x00\x01\xba": "MPEG",
    b"\x00\x00\x01\xb3": "MPEG",
}


class RefusedFileError(ValueError):
    pass


def _media_kind(head: bytes) -> str | None:
    for signature, kind in MEDIA_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    if head[4:8] == b"ftyp":
        return "MP4/MOV/HEIC"
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"AVI ", b"WAVE"):
        return head[8:12].decode().strip()
    return None


def _office_kind(content: bytes) -> str:
    """A Word or OpenDocument text, refused if it carries pictures or media inside."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if any(name.startswith(("word/media/", "Pictures/", "media/")) for name in names):
                raise RefusedFileError(_("The document contains pictures. Sahay keeps no images: remove them first."))
            if "word/document.xml" in names:
                return DOCX
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                return ODT
    except zipfile.BadZipFile as error:
        raise RefusedFileError(_("The file is damaged.")) from error
    raise RefusedFileError(_("Sahay accepts PDF, Word, OpenDocument text and plain text documents only."))


def document_type(content: bytes, max_bytes: int) -> str:
    """The accepted content type of the file, or `RefusedFileError` with what is wrong."""
    if not content:
        raise RefusedFileError(_("The file is empty."))
    if len(content) > max_bytes:
        raise RefusedFileError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(len(content) / 1_048_576, 1), "limit": round(max_bytes / 1_048_576, 1)}
        )
    media = _media_kind(content[:16])
    if media:
        raise RefusedFileError(
            _(
                "This is a %(kind)s file. Sahay never stores images, video or audio: refer to evidence by the "
                "authorities' reference number."
            )
            % {"kind": media}
        )
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        return _office_kind(content)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise RefusedFileError(_("Sahay accepts PDF, Word, OpenDocument text and plain text documents only.")) from None
    if b"\x00" in content:
        raise RefusedFileError(_("Sahay accepts PDF, Word, OpenDocument text and plain text documents only."))
    return TEXT
