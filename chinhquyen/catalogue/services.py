"""Writes to the procedure catalogue. Every change is audited in its own transaction.

A procedure's content is never edited in place: ``procedure_save`` adds a version when anything
changed, so a dossier that points at an older version keeps the time limit, fees, documents and
form it was received under. The import/export pair lives here too, because the round trip
(export → import into an empty database → export) is the contract of the interchange format.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils.translation import gettext as _

from chinhquyen.audit.services import audit_record
from chinhquyen.core.errors import ValidationFailed
from chinhquyen.units.models import Agency

from . import interchange
from .models import (
    Field,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    SearchIndexStamp,
    SearchTerm,
)
from .selectors import procedures_current
from .text import fold

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def _documents_in_order() -> Prefetch:
    return Prefetch("documents", queryset=RequiredDocument.objects.order_by("position"))


def version_record(version: ProcedureVersion) -> dict[str, Any]:
    """The version in the interchange format, exactly as ``interchange.clean_procedure`` would
    return it for the same content. Uses prefetched ``documents`` when present."""
    return {
        "code": version.procedure.code,
        "name": version.name,
        "field": version.field.code,
        "levels": list(version.levels),
        "online_mode": version.online_mode,
        "legacy_level": version.legacy_level,
        "steps": version.steps,
        "method": version.method,
        "processing_time": interchange.canonical_number(Decimal(version.processing_time)),
        "time_unit": version.time_unit,
        "processing_time_note": version.processing_time_note,
        "applicants": version.applicants,
        "implementing_agency": version.implementing_agency,
        "fees": [
            {"name": f["name"], "amount": f["amount"], "note": f.get("note", "")}
            for f in version.fees
        ],
        "result_type": version.result_type,
        "legal_basis": list(version.legal_basis),
        "requirements": version.requirements,
        "decision_number": version.decision_number,
        "decision_date": _iso(version.decision_date),
        "effective_from": _iso(version.effective_from),
        "effective_to": _iso(version.effective_to),
        "agency_kinds": list(version.agency_kinds),
        "documents": [
            {key: getattr(doc, key) for key in interchange.DOCUMENT_KEYS}
            for doc in version.documents.all()
        ],
        "form_schema": version.form_schema,
    }


def _iso(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


# --- fields -------------------------------------------------------------------------------------


@transaction.atomic
def field_save(*, code: str, name: str, actor=None) -> tuple[Field, str]:
    """Create the field or rename it. Returns ``(field, "created" | "updated" | "unchanged")``."""
    errors: dict[str, list[str]] = {}
    if problem := interchange.field_code_error(code):
        errors["code"] = [problem]
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors["name"] = ["phải là chuỗi 1–200 ký tự"]
    if errors:
        raise ValidationFailed(_("Lĩnh vực không hợp lệ."), fields=errors)
    item = Field.objects.select_for_update().filter(code=code).first()
    if item is None:
        item = Field.objects.create(code=code, name=name)
        audit_record(
            event="field.created", object_type="field", object_id=code, actor=actor,
            changes={"name": [None, name]},
        )  # fmt: skip
        return item, CREATED
    if item.name == name:
        return item, UNCHANGED
    old = item.name
    item.name = name
    item.save(update_fields=["name"])
    # The field name is part of every version's search text.
    versions = list(ProcedureVersion.objects.filter(field=item).select_related("procedure"))
    for version in versions:
        version.search_text = _search_text(version.procedure.code, version.name, name)
    ProcedureVersion.objects.bulk_update(versions, ["search_text"], batch_size=500)
    search_index_touch()
    audit_record(
        event="field.updated", object_type="field", object_id=code, actor=actor,
        changes={"name": [old, name]},
    )  # fmt: skip
    return item, UPDATED


# --- procedures ---------------------------------------------------------------------------------


def _search_text(code: str, name: str, field_name: str) -> str:
    return fold(f"{code} {name} {field_name}")


@transaction.atomic
def procedure_save(*, data: dict[str, Any], actor=None) -> tuple[ProcedureVersion, bool]:
    """Validate one procedure of the interchange format and store it.

    Creates the procedure when its code is new, and a new version (number = last + 1) only when
    the content differs from the current one. Returns ``(current version, created)``; raises
    ``ValidationFailed`` with errors keyed by JSON key (``documents[2].code``).
    """
    field_code = data.get("field") if isinstance(data, dict) else None
    known = (
        set(Field.objects.filter(code=field_code).values_list("code", flat=True))
        if isinstance(field_code, str)
        else set()
    )
    record, errors = interchange.clean_procedure(data, known_fields=known)
    if errors:
        raise ValidationFailed(_("Thủ tục hành chính không hợp lệ."), fields=errors)
    version, state = _procedure_write(record=record, actor=actor)
    return version, state != UNCHANGED


def _procedure_write(*, record: dict[str, Any], actor=None) -> tuple[ProcedureVersion, str]:
    """Store a validated record. Returns ``(current version, created | updated | unchanged)``."""
    record = dict(record)
    phrases = record.pop(interchange.SEARCH_PHRASES_KEY, None)
    code = record["code"]
    procedure = Procedure.objects.select_for_update().filter(code=code).first()
    current = None
    if procedure is None:
        procedure, state = Procedure.objects.create(code=code), CREATED
    else:
        state = UPDATED
        if procedure.current_id is not None:
            current = (
                ProcedureVersion.objects.select_related("procedure", "field")
                .prefetch_related(_documents_in_order())
                .get(pk=procedure.current_id)
            )
    if phrases is not None:
        procedure_search_phrases_set(procedure=procedure, phrases=phrases, actor=actor)
    old = version_record(current) if current else {}
    if old == record:
        _link_agency_kinds(procedure=procedure, kinds=record["agency_kinds"], actor=actor)
        return current, UNCHANGED

    field_ = Field.objects.get(code=record["field"])
    number = (procedure.versions.aggregate(last=Max("version"))["last"] or 0) + 1
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        version=number,
        name=record["name"],
        search_text=_search_text(code, record["name"], field_.name),
        field=field_,
        levels=record["levels"],
        online_mode=record["online_mode"],
        legacy_level=record["legacy_level"],
        steps=record["steps"],
        method=record["method"],
        processing_time=Decimal(str(record["processing_time"])),
        time_unit=record["time_unit"],
        processing_time_note=record["processing_time_note"],
        applicants=record["applicants"],
        implementing_agency=record["implementing_agency"],
        fees=record["fees"],
        result_type=record["result_type"],
        legal_basis=record["legal_basis"],
        requirements=record["requirements"],
        decision_number=record["decision_number"],
        decision_date=_date(record["decision_date"]),
        effective_from=_date(record["effective_from"]),
        effective_to=_date(record["effective_to"]),
        agency_kinds=record["agency_kinds"],
        form_schema=record["form_schema"],
        created_by=_user(actor),
    )
    RequiredDocument.objects.bulk_create(
        RequiredDocument(version=version, position=i, **doc)
        for i, doc in enumerate(record["documents"])
    )
    changes: dict[str, Any] = {
        key: [old.get(key), value] for key, value in record.items() if old.get(key) != value
    }
    changes["version"] = [current.version if current else None, number]
    if current is not None and _closes(previous=current, effective_from=version.effective_from):
        # The old version stays as it was, except that it now says until when it applied.
        changes["previous_effective_to"] = [
            _iso(current.effective_to),
            _iso(version.effective_from),
        ]
        current.effective_to = version.effective_from
        current.save(update_fields=["effective_to"])
    procedure.current = version
    procedure.save(update_fields=["current"])
    search_index_touch()
    audit_record(
        event="procedure.version_created", object_type="procedure", object_id=code, actor=actor,
        changes=changes,
    )  # fmt: skip
    _link_agency_kinds(procedure=procedure, kinds=record["agency_kinds"], actor=actor)
    return version, state


def _closes(*, previous: ProcedureVersion, effective_from: date | str) -> bool:
    """Whether the new version ends the previous one: only when it starts later (a correction
    with the same start date replaces it instead) and before the previous one would have ended."""
    start = (
        date.fromisoformat(effective_from) if isinstance(effective_from, str) else effective_from
    )
    return previous.effective_from < start and (
        previous.effective_to is None or start < previous.effective_to
    )


def _link_agency_kinds(*, procedure: Procedure, kinds: list[str], actor=None) -> None:
    # No kinds: the links are managed by hand (procedure_link_agencies) and left alone.
    if kinds:
        agencies = Agency.objects.filter(kind__in=kinds, is_active=True)
        procedure_link_agencies(procedure=procedure, agencies=agencies, actor=actor)


@transaction.atomic
def procedure_link_agencies(
    *, procedure: Procedure, agencies: Iterable[Agency], actor=None
) -> bool:
    """Make ``agencies`` exactly the agencies that receive the procedure. Returns whether the
    links changed. When the current version names ``agency_kinds``, the next save relinks every
    active agency of those kinds, so hand-made links are for procedures without kinds."""
    wanted = {agency.pk: agency.agency_id for agency in agencies}
    linked = dict(procedure.agencies.values_list("pk", "agency_id"))
    if wanted.keys() == linked.keys():
        return False
    procedure.agencies.set(list(wanted))
    audit_record(
        event="procedure.agencies_linked", object_type="procedure", object_id=procedure.code,
        actor=actor, changes={"agencies": [sorted(linked.values()), sorted(wanted.values())]},
    )  # fmt: skip
    return True


@transaction.atomic
def procedure_signing_policy_set(
    *, procedure: Procedure, electronic_result: bool, unsigned_approval: bool | None, actor=None
) -> Procedure:
    """How the result of ``procedure`` is issued: an electronic document (signed by the
    competent person and sealed before it is issued) or not, and whether it may nonetheless be
    approved unsigned (None: only when the result is not electronic)."""
    locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
    before = [locked.electronic_result, locked.unsigned_approval]
    after = [bool(electronic_result), unsigned_approval]
    if before == after:
        return locked
    locked.electronic_result, locked.unsigned_approval = after
    locked.save(update_fields=["electronic_result", "unsigned_approval"])
    audit_record(
        event="procedure.signing_policy", object_type="procedure", object_id=locked.code,
        actor=actor, changes={"electronic_result": [before[0], after[0]],
                              "unsigned_approval": [before[1], after[1]]},
    )  # fmt: skip
    return locked


# --- search aids (search.py) ----------------------------------------------------------------


def search_index_touch() -> None:
    """Tell every process's search index that what it shows changed (``SearchIndexStamp``).
    Called by each write that changes it, in the write's transaction."""
    SearchIndexStamp.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


@transaction.atomic
def procedure_search_phrases_set(*, procedure: Procedure, phrases: list[str], actor=None) -> bool:
    """Make ``phrases`` the procedure's "also searched as" phrases ("sổ đỏ", "làm giấy khai
    sinh"). Returns whether they changed. Not a new version: they help people find the
    procedure and say nothing of its legal content."""
    cleaned, errors = interchange.clean_search_phrases(phrases)
    if cleaned is None:
        raise ValidationFailed(_("Cụm từ tìm kiếm không hợp lệ."), fields=errors)
    locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if locked.search_phrases == cleaned:
        return False
    before = locked.search_phrases
    locked.search_phrases = cleaned
    locked.save(update_fields=["search_phrases"])
    procedure.search_phrases = cleaned
    search_index_touch()
    audit_record(
        event="procedure.search_phrases", object_type="procedure", object_id=locked.code,
        actor=actor, changes={"search_phrases": [before, cleaned]},
    )  # fmt: skip
    return True


def _search_term_record(term: SearchTerm) -> dict[str, str]:
    return {"kind": term.kind, "phrase": term.phrase, "target": term.target, "note": term.note}


def _search_term_clean(data: dict[str, Any]) -> dict[str, str]:
    cleaned, errors = interchange.clean_search_term(data)
    if cleaned is None:
        raise ValidationFailed(_("Từ tìm kiếm không hợp lệ."), fields=errors)
    return cleaned


@transaction.atomic
def search_term_save(
    *,
    kind: str,
    phrase: str,
    target: str = "",
    note: str = "",
    term: SearchTerm | None = None,
    actor=None,
) -> SearchTerm:
    """Add a row to the synonym and filler table, or change ``term``. A synonym says that
    ``phrase`` (what people type) is also searched as ``target`` (the catalogue's words); its
    ``note`` is shown on the results page when it is used (e.g. why "công chứng" is not
    "chứng thực"). A filler (``target`` empty) weighs little in a query."""
    cleaned = _search_term_clean({"kind": kind, "phrase": phrase, "target": target, "note": note})
    key = fold(cleaned["phrase"])
    twins = SearchTerm.objects.select_for_update().filter(kind=cleaned["kind"], key=key)
    if term is not None:
        twins = twins.exclude(pk=term.pk)
    if any(fold(t.target) == fold(cleaned["target"]) for t in twins):
        raise ValidationFailed(
            _("Cụm từ này đã có trong bảng từ tìm kiếm."),
            code="search_term_duplicate",
            fields={"phrase": [_("đã có")]},
        )
    before = _search_term_record(term) if term is not None and term.pk else None
    item = SearchTerm.objects.select_for_update().get(pk=term.pk) if before else SearchTerm()
    for name, value in cleaned.items():
        setattr(item, name, value)
    item.key = key
    item.save()
    search_index_touch()
    after = _search_term_record(item)
    audit_record(
        event="search_term.updated" if before else "search_term.created",
        object_type="search_term", object_id=str(item.pk), actor=actor,
        changes={k: [before[k] if before else None, v] for k, v in after.items()
                 if not before or before[k] != v},
    )  # fmt: skip
    return item


@transaction.atomic
def search_term_delete(*, term: SearchTerm, actor=None) -> None:
    before = _search_term_record(term)
    pk = term.pk
    SearchTerm.objects.filter(pk=pk).delete()
    search_index_touch()
    audit_record(
        event="search_term.deleted", object_type="search_term", object_id=str(pk), actor=actor,
        changes={k: [v, None] for k, v in before.items()},
    )  # fmt: skip


@transaction.atomic
def search_terms_replace(*, terms: list[dict[str, str]], actor=None) -> tuple[int, int]:
    """Make the table exactly ``terms`` (a catalogue file's ``search_terms``): rows missing
    are deleted, new ones added, notes updated. Returns ``(added or changed, deleted)``."""
    wanted = {}
    for data in terms:
        cleaned = _search_term_clean(data)
        wanted[(cleaned["kind"], fold(cleaned["phrase"]), fold(cleaned["target"]))] = cleaned
    existing = {(t.kind, t.key, fold(t.target)): t for t in SearchTerm.objects.select_for_update()}
    deleted = 0
    for key, term in existing.items():
        if key not in wanted:
            search_term_delete(term=term, actor=actor)
            deleted += 1
    changed = 0
    for key, cleaned in wanted.items():
        term = existing.get(key)
        if term is not None and _search_term_record(term) == cleaned:
            continue
        search_term_save(**cleaned, term=term, actor=actor)
        changed += 1
    return changed, deleted


def search_terms_export() -> list[dict[str, str]]:
    return [_search_term_record(t) for t in SearchTerm.objects.order_by("kind", "key", "target")]


# --- import and export --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    location: str  # "procedures[3].processing_time" or "procedures!F7 (processing_time)"
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class ImportReport:
    file_name: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    fields_created: int = 0
    fields_updated: int = 0
    search_terms_changed: int = 0
    search_terms_deleted: int = 0
    errors: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        if self.errors:
            return f"{self.file_name}: {len(self.errors)} lỗi, không ghi gì"
        summary = (
            f"{self.file_name}: {self.created} thủ tục mới, {self.updated} cập nhật, "
            f"{self.unchanged} không đổi; lĩnh vực: {self.fields_created} mới, {self.fields_updated} đổi tên"
        )
        return summary + (" (chạy thử, không ghi)" if self.dry_run else "")

    def error_fields(self) -> dict[str, list[str]]:
        fields: dict[str, list[str]] = {}
        for problem in self.errors:
            fields.setdefault(problem.location, []).append(problem.message)
        return fields

    def raise_if_failed(self) -> None:
        if self.errors:
            raise ValidationFailed(
                _("Tệp danh mục có %(count)d lỗi; chưa có gì được ghi.")
                % {"count": len(self.errors)},
                code="catalogue_import_failed",
                fields=self.error_fields(),
            )


class _DryRun(Exception):
    """Raised to roll back a dry run once its counts are known."""


def catalogue_import(
    *, file_name: str, content: bytes, actor=None, dry_run: bool = False
) -> ImportReport:
    """Import a catalogue file (``.json`` or ``.xlsx``), all or nothing.

    Every error is collected with its location (JSON path, or sheet!cell (column) for XLSX)
    and nothing is written when there is any. A dry run does the whole import, counts, and
    rolls back. Never raises for the content of the file; see ``ImportReport.raise_if_failed``.
    """
    report = ImportReport(file_name=file_name, dry_run=dry_run)
    suffix = PurePath(file_name).suffix.lower()
    locate: interchange.LocateFn = str
    if suffix == ".json":
        document, problems = interchange.parse_json(content)
    elif suffix == ".xlsx":
        document, problems, locate = interchange.read_xlsx(content)
    else:
        document, problems = None, [("file", "chỉ nhận tệp .json hoặc .xlsx")]
    report.errors.extend(ImportProblem(where, message) for where, message in problems)
    if document is None:
        return report

    known = set(Field.objects.values_list("code", flat=True))
    fields, records, errors = interchange.clean_document(document, known_fields=known)
    terms, term_errors = interchange.clean_search_terms(document)
    errors = {**errors, **term_errors}
    # A cell the reader already refused (a formula, broken JSON) was left out, so the validator
    # reports it again as missing: keep only the reader's message for it.
    reported = {problem.location for problem in report.errors}
    report.errors.extend(
        ImportProblem(where, message)
        for path, messages in errors.items()
        if (where := locate(path)) not in reported
        for message in messages
    )
    if report.errors:
        return report

    # A dry run does all the work, then raises _DryRun to roll it back.
    with contextlib.suppress(_DryRun), transaction.atomic():
        for item in fields:
            _field, state = field_save(code=item["code"], name=item["name"], actor=actor)
            report.fields_created += state == CREATED
            report.fields_updated += state == UPDATED
        for record in records:
            _version, state = _procedure_write(record=record, actor=actor)
            setattr(report, state, getattr(report, state) + 1)
        if terms is not None:  # a file without search_terms leaves the table alone
            report.search_terms_changed, report.search_terms_deleted = search_terms_replace(
                terms=terms, actor=actor
            )
        if dry_run:
            raise _DryRun
    return report


def catalogue_export_json() -> dict[str, Any]:
    """The whole catalogue (current versions) in the interchange format."""
    versions = (
        procedures_current()
        .select_related("procedure", "field")
        .prefetch_related(
            Prefetch("documents", queryset=RequiredDocument.objects.order_by("position"))
        )
        .order_by("procedure__code")
    )
    procedures = []
    for version in versions:
        record = version_record(version)
        if version.procedure.search_phrases:
            record[interchange.SEARCH_PHRASES_KEY] = list(version.procedure.search_phrases)
        procedures.append(record)
    document = {
        "format": interchange.FORMAT,
        "fields": [{"code": f.code, "name": f.name} for f in Field.objects.order_by("code")],
        "procedures": procedures,
    }
    if terms := search_terms_export():
        document["search_terms"] = terms
    return document


def catalogue_export_xlsx() -> bytes:
    """The same as ``catalogue_export_json`` as a workbook (sheets procedures, documents, fees,
    fields)."""
    return interchange.write_xlsx(catalogue_export_json())
