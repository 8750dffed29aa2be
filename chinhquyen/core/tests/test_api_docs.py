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


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _typed(schema: dict, document: dict) -> bool:
    """A schema that says something: named members, or an array of such; not a bare object."""
    schema = _resolve(schema, document)
    if schema.get("type") == "array":
        return _typed(schema.get("items", {}), document)
    if schema.get("type") == "string" and schema.get("format") == "binary":
        return True
    return bool(schema.get("properties"))


def test_every_operation_documents_its_answers_and_its_errors_as_problems(db):
    """Each operation's success answer has a real schema (or is a file), and each error status
    it documents is the shared Problem schema under application/problem+json."""
    document = Client().get("/api/v1/openapi.json").json()
    untyped, not_problems, operations = [], [], 0
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            operations += 1
            answers = operation["responses"]
            name = f"{method.upper()} {path}"
            successes = [s for s in answers if int(s) < 400]
            assert successes, name
            for status in successes:
                content = answers[status].get("content", {})
                if not content or not all(_typed(m["schema"], document) for m in content.values()):
                    untyped.append(f"{name} {status}")
            errors = [s for s in answers if int(s) >= 400]
            assert {"400", "413"} <= set(errors), name
            for status in errors:
                content = answers[status]["content"]
                if list(content) != ["application/problem+json"] or content[
                    "application/problem+json"
                ]["schema"] != {"$ref": "#/components/schemas/Problem"}:
                    not_problems.append(f"{name} {status}")
    assert operations >= 40
    assert untyped == []
    assert not_problems == []
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "code", "detail", "instance"}


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_no_two_schemas_of_the_api_share_a_name():
    """The document names its schemas by class name: two classes of one name would describe one
    operation's answer with the other's members (the dossiers' and the signatures'
    DossierFileOut did)."""
    from ninja import Schema

    import config.api  # noqa: F401 - every app's api.py and its schemas

    ours = {c for c in _subclasses(Schema) if c.__module__.startswith("chinhquyen.")}
    names: dict[str, list[str]] = {}
    for cls in ours:
        names.setdefault(cls.__name__, []).append(cls.__module__)
    assert {name: mods for name, mods in names.items() if len(mods) > 1} == {}
