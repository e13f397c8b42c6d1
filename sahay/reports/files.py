"""A report's files: a draft's rendered on every request, an approved report's rendered once and kept.

An approved report's files (every download format and the app's preview, in every language) are rendered when it
is approved and kept in the database (`ReportFile`), where backups and restores take them along with the report.
Each stored file carries the digest of what it was drawn from: the report's content in its language (figures,
texts, targets, place names, labels, the synthetic-data notice) and the renderers' own code. Serving a file
computes that digest again, which is cheap for an approved report (its content is read from its frozen data),
and sends the stored bytes only when they match. Otherwise the file is rendered now and replaces the stored
one. So a file is rendered once, and nothing that changes after approval (a target, a country's name, a
translation, an upgraded renderer, a report's data restored or reissued) can leave an outdated file served.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation

from sahay.core import spreadsheets
from sahay.reports import charts, rendering
from sahay.reports.building import report_content
from sahay.reports.content import ReportContent
from sahay.reports.models import Report, ReportFile
from sahay.reports.rendering import FORMATS, Drawing, excel, markup, pdf, render_html, views, word
from sahay.reports.rendering.views import TargetView, target_views

PAGE = "page"  # the report as the app's own page shows it: not a download, but kept like one
WITHOUT_CHARTS = {"xlsx"}  # formats whose drawing takes no charts (tables only)

# The code a file's bytes depend on besides its content, and the libraries that draw them.
RENDERER_MODULES = (rendering, markup, pdf, word, excel, views, charts, spreadsheets)
RENDERER_FILES = ("templates/reports/document.html", "templates/reports/_report_body.html", "static/reports/report.css")
RENDERER_LIBRARIES = ("django", "weasyprint", "pydyf", "matplotlib", "pillow", "python-docx", "openpyxl")
REPORTS_APP = Path(__file__).resolve().parent


def _page(content: ReportContent, drawn: list[TargetView]) -> bytes:
    return render_html(content, standalone=False, views=drawn).encode("utf-8")


DRAWINGS: dict[str, Drawing] = {**{name: output.draw for name, output in FORMATS.items()}, PAGE: _page}


def report_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def report_file(report: Report, *, file_format: str, language: str, synthetic: bool) -> bytes:
    """What a download of the report gets: a draft rendered now (drafts change), an approved report's kept file.

    May raise `DisclosureError` for a draft, whose figures are computed now.
    """
    content = report_content(report, language=language, synthetic=synthetic)
    if not report.is_approved:
        return _draw(content, [file_format])[file_format]
    digest = content_digest(content)
    stored = (
        ReportFile.objects.filter(report=report, file_format=file_format, language=language, digest=digest)
        .values_list("content", flat=True)
        .first()
    )
    if stored is not None:
        return bytes(stored)
    document = _draw(content, [file_format])[file_format]
    _keep(report, file_format, language, digest, document)
    return document


def report_page(report: Report, *, language: str, synthetic: bool) -> str:
    """The report as the app's page shows it, kept like its files once approved."""
    return report_file(report, file_format=PAGE, language=language, synthetic=synthetic).decode("utf-8")


def report_files_render(report: Report, *, synthetic: bool) -> int:
    """Render and keep every file of an approved report in every language, replacing any kept before.

    Returns how many files were written. Each language's charts are drawn once for all its files.
    """
    if not report.is_approved:
        raise ValueError("only an approved report's files are kept: a draft changes")
    written = 0
    for language in report_languages():
        content = report_content(report, language=language, synthetic=synthetic)
        digest = content_digest(content)
        for file_format, document in _draw(content, list(DRAWINGS)).items():
            _keep(report, file_format, language, digest, document)
            written += 1
    return written


def content_digest(content: ReportContent) -> str:
    """What a file of this content is drawn from, as a SHA-256: the content itself and the renderers' code."""
    # str() for what JSON has no type for: Decimal, datetime, and lazy translations (whose repr is an address).
    data = json.dumps(dataclasses.asdict(content), default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{renderer_fingerprint()}\n{data}".encode()).hexdigest()


@lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """A digest of the renderers' code, templates and style sheet and of the libraries' versions.

    Read once per process: a file rendered by other code than the running one counts as outdated, without
    anyone having to remember to say so when changing a renderer.
    """
    sha = hashlib.sha256()
    paths = [Path(str(module.__file__)) for module in RENDERER_MODULES]
    paths += [REPORTS_APP / name for name in RENDERER_FILES]
    for path in paths:
        sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for library in RENDERER_LIBRARIES:
        try:
            sha.update(f"{library}={version(library)}\0".encode())
        except PackageNotFoundError:
            sha.update(f"{library}=?\0".encode())
    return sha.hexdigest()


def _draw(content: ReportContent, file_formats: list[str]) -> dict[str, bytes]:
    # In the report's language: a number the templates format follows it, whatever the reader's language.
    with translation.override(content.language):
        # The workbook alone has no charts: drawing them for it would cost a second at a programme's size.
        drawn = target_views(content) if set(file_formats) - WITHOUT_CHARTS else []
        return {file_format: DRAWINGS[file_format](content, drawn) for file_format in file_formats}


def _keep(report: Report, file_format: str, language: str, digest: str, document: bytes) -> None:
    ReportFile.objects.update_or_create(
        report=report,
        file_format=file_format,
        language=language,
        defaults={"digest": digest, "content": document, "rendered_at": timezone.now()},
    )
