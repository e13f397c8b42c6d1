"""Case documents: text documents only, never images or video, encrypted at rest, downloads audited."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from sahay.cases.models import Attachment
from sahay.cases.tests.conftest import CaseWorld
from sahay.cases.uploads import DOCX, PDF, TEXT, RefusedFileError, document_type

LIMIT = 1_000_000


def docx(with_picture: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document>synthetic</document>")
        if with_picture:
            archive.writestr("word/media/image1.png", b"\x89PNG\r\n\x1a\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "accepted"),
    [(b"%PDF-1.7\n...", PDF), (docx(), DOCX), (b"Verslag van het huisbezoek (synthetisch)", TEXT)],
)
def test_text_documents_are_accepted(content: bytes, accepted: str) -> None:
    assert document_type(content, LIMIT) == accepted


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00", "MP4"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "AVI"),
        (b"\x1aE\xdf\xa3\x9fB\x86", "WebM"),
        (docx(with_picture=True), "pictures"),
        (b"\x00\x01\x02binary", "only"),
        (b"", "empty"),
        (b"%PDF" + b"x" * LIMIT, "limit"),
    ],
)
def test_images_video_and_other_files_are_refused_by_their_content(content: bytes, says: str) -> None:
    with pytest.raises(RefusedFileError, match=says):
        document_type(content, LIMIT)


def test_a_renamed_image_is_refused_on_the_page_and_nothing_is_kept(case_world: CaseWorld, client_for) -> None:
    before = Attachment.objects.count()
    upload = SimpleUploadedFile("report.pdf", b"\xff\xd8\xff\xe0 synthetic photo", content_type="application/pdf")
    response = client_for(case_world.worker).post(
        reverse("attachment_add", args=[case_world.case.public_id]), {"title": "Report", "file": upload}
    )
    assert response.status_code == 200
    assert b"Sahay never stores images" in response.content
    assert Attachment.objects.count() == before


def test_documents_are_encrypted_at_rest_and_come_back_whole(case_world: CaseWorld, client_for) -> None:
    content = b"%PDF-1.4 synthetic consent form signed by the caregiver"
    client = client_for(case_world.worker)
    upload = SimpleUploadedFile("consent Araya.pdf", content, content_type="application/pdf")
    response = client.post(
        reverse("attachment_add", args=[case_world.case.public_id]), {"title": "Consent form", "file": upload}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(case=case_world.case, size=len(content))
    with connection.cursor() as cursor:
        cursor.execute("SELECT content, filename FROM cases_attachment WHERE id = %s", [attachment.pk])
        stored, stored_name = cursor.fetchone()
    assert b"synthetic consent form" not in bytes(stored) and "Araya" not in stored_name
    download = client.get(reverse("attachment_download", args=[case_world.case.public_id, attachment.public_id]))
    assert download.content == content
    # The download is named by its opaque id: a file name may carry the child's name.
    assert "Araya" not in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"]
