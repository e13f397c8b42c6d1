"""Pages load nothing from another host, and the browser is told so."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

PACKAGE = Path(__file__).resolve().parent.parent / "sahay"
# src=, href= or url() pointing at another host (protocol-relative included).
OUTSIDE_ASSET = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.IGNORECASE)


def test_no_template_or_stylesheet_points_at_another_host() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in [*PACKAGE.rglob("*.html"), *PACKAGE.rglob("*.css"), *PACKAGE.rglob("*.js")]
        if OUTSIDE_ASSET.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.django_db
def test_pages_forbid_other_hosts_through_the_content_security_policy(client) -> None:
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_stylesheet_is_served_by_sahay_itself(client) -> None:
    page = client.get(reverse("login")).content.decode()
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page)
    assert stylesheet is not None
    assert client.get(stylesheet.group(1)).status_code == 200
