"""The interactive API docs are served from the project: no request leaves for a CDN."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.test import Client

DOCS = "/api/v1/docs"


def _references(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)


def test_the_docs_page_references_no_other_host(db):
    response = Client().get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    refs = _references(html)
    assert any(r.endswith("swagger-ui-bundle.js") for r in refs), refs
    external = [r for r in refs if urlsplit(r).netloc or r.startswith("//")]
    assert external == [], external
    assert "cdn." not in html and "jsdelivr" not in html


def test_every_file_the_docs_page_loads_is_served_by_the_project(db):
    client = Client()
    html = client.get(DOCS).content.decode()
    for ref in _references(html):
        response = client.get(ref)
        assert response.status_code == 200, ref
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 100, ref


def test_the_openapi_document_the_docs_page_reads_is_served(db):
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "chinhquyen API"
    assert "/api/v1/dossiers" in schema["paths"]
