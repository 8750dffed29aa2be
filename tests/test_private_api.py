"""No Django, psycopg, ninja or pyHanko private API in production code (issue #19, item 1).

The rule and its upgrade checklist: docs/decisions/0005-private-apis-and-monkeypatches.md.

Production code is every module under ``chinhquyen/`` and ``config/`` except tests and
migrations. Types cannot be resolved statically, so the test is a name check:

- an import of a private name or module from one of the libraries (``from psycopg import
  _queries``, ``import django.db._x``, ``from django.utils.functional import _wrapped``);
- an attribute ``something._name`` (single underscore, not a dunder) whose name our own code does
  not define anywhere (a function, class, parameter, module-level name or ``self._name = …``):
  such a name can only come from a library (also when spelled ``getattr(obj, "_name")``);
- names that are known library internals are flagged even if we happen to define a name alike
  (``_state``, ``_messages``, ``_wrapped``, ``_queries``, …), so a coincidence does not hide one;
- ``Model._meta`` is Django's documented Options API; only its documented members may follow it;
- a few internals that are not underscored but are just as private: ``InsertQuery``,
  ``returning_fields``, ``needs_rollback``, a compiler's ``as_sql(``;
- a process-wide monkeypatch: assigning to an attribute of an imported library module.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = {
    "django",
    "psycopg",
    "psycopg2",
    "ninja",
    "pyhanko",
    "pyhanko_certvalidator",
    "asn1crypto",
}

# Files left out as a whole. Each entry says why and when it goes.
ALLOWED_FILES: set[str] = set()  # none left since core/compiled.py went (issue #19, item 2)

# Underscored names of libraries outside the rule (the rule covers Django, psycopg, ninja and
# pyHanko with its certvalidator and asn1crypto). The check cannot tell whose attribute a name
# is, so these are named here, each with its reason.
OTHER_LIBRARIES = {
    # lxml: ``lxml.etree._Element`` is the element class lxml's API reference documents (there is
    # no other public name for it); exchange/edxml.py uses it in type hints and isinstance.
    "_Element",
    # reportlab: the "Trang X/Y" footer (reporting/pdf.py) holds pages back and starts the next
    # one with ``Canvas._startPage``, reportlab's own "page X of Y" recipe; reportlab has no
    # public two-pass page count for a bare Canvas. To redo on a reportlab upgrade.
    "_startPage",
}

# ``Model._meta`` members that Django documents: the Model _meta API (get_field, get_fields;
# https://docs.djangoproject.com/en/5.2/ref/models/meta/), the Meta options read back from it
# (https://docs.djangoproject.com/en/5.2/ref/models/options/, including the read-only ``label``
# and ``label_lower``), and ``app_label``/``model_name``/``object_name``, which the admin's
# documentation uses to reverse admin URLs and names its templates by. ``pk``, ``fields`` and
# ``concrete_fields`` are not in a reference page, but the _meta API's migration guide defines
# its replacements through them and every third-party admin relies on them; they are accepted
# here and listed in the upgrade checklist.
META_PUBLIC = {
    "get_field",
    "get_fields",
    "abstract",
    "app_label",
    "base_manager_name",
    "db_table",
    "db_table_comment",
    "db_tablespace",
    "default_manager_name",
    "default_related_name",
    "get_latest_by",
    "managed",
    "order_with_respect_to",
    "ordering",
    "permissions",
    "default_permissions",
    "proxy",
    "required_db_features",
    "required_db_vendor",
    "select_on_save",
    "indexes",
    "unique_together",
    "constraints",
    "verbose_name",
    "verbose_name_plural",
    "label",
    "label_lower",
    "model_name",
    "object_name",
    "pk",
    "fields",
    "concrete_fields",
}

# ``instance._state`` is documented in the Model instance reference ("Other attributes: _state")
# with exactly two attributes, ``adding`` and ``db``; reading them is public API. Anything else
# on ``_state`` (``fields_cache``, …) is not.
STATE_PUBLIC = {"adding", "db"}

# Underscored names that are always a library's, whatever our own code defines.
KNOWN_PRIVATE = {
    "_messages",  # request._messages (django.contrib.messages)
    "_wrapped",  # SimpleLazyObject._wrapped
    "_setupfunc",
    "_queries",  # psycopg._queries
    "_prepare_related_fields_for_save",
    "_do_insert",
    "_do_update",
    "_save_table",
    "_insert",
    "_batched_insert",
    "_container",  # HttpResponse._container
    "_charset",
    "_headers",
    "_result_cache",
    "_prefetched_objects_cache",
}

# (``Model._default_manager`` and ``_base_manager`` are not here: Django's managers guide
# documents both.)

# Names that are not underscored but are internals all the same.
PRIVATE_NAMES = {
    "InsertQuery",
    "returning_fields",
    "needs_rollback",
    "SQLInsertCompiler",
    "get_compiler",  # a query's compiler: Django's SQL generation, not a public interface
}


def production_files() -> list[Path]:
    files = []
    for top in ("chinhquyen", "config"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or path.name.startswith("test_"):
                continue
            files.append(path)
    return files


def own_names() -> set[str]:
    """Every underscored name our own code (production, tests, scripts) defines."""
    names: set[str] = set()
    for top in ("chinhquyen", "config", "tests", "scripts"):
        for path in (ROOT / top).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(node.name)
                elif isinstance(node, ast.arg):
                    names.add(node.arg)
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                    names.add(node.attr)
                elif isinstance(node, ast.alias) and node.asname:
                    names.add(node.asname)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def library_modules(tree: ast.AST) -> set[str]:
    """Local names bound to a library module or object by an import."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LIBRARIES:
                    bound.add(alias.asname or alias.name.split(".")[0])
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.split(".")[0] in LIBRARIES
        ):
            for alias in node.names:
                bound.add(alias.asname or alias.name)
    return bound


def compiler_call(attribute: ast.Attribute, tree: ast.AST) -> bool:
    """Whether ``attribute`` (an ``.as_sql``) is called without arguments somewhere."""
    return any(
        isinstance(node, ast.Call) and node.func is attribute and not node.args
        for node in ast.walk(tree)
    )


def findings(path: Path, ours: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    where = path.relative_to(ROOT)
    found = []
    imported = library_modules(tree)
    for node in ast.walk(tree):
        line = f"{where}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in LIBRARIES and any(is_private(p) for p in parts):
                    found.append(f"{line}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] in LIBRARIES:
                if any(is_private(p) for p in parts):
                    found.append(f"{line}: from {node.module} import …")
                for alias in node.names:
                    if is_private(alias.name) or alias.name in PRIVATE_NAMES:
                        found.append(f"{line}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Attribute):
            attr = node.attr
            base = node.value
            if attr in PRIVATE_NAMES:
                found.append(f"{line}: .{attr}")
            elif attr == "as_sql" and (isinstance(base, ast.Call) or compiler_call(node, tree)):
                # A compiler's as_sql() takes no argument; an expression's documented
                # as_sql(compiler, connection) (custom lookups and functions) is allowed.
                found.append(f"{line}: compiler .as_sql(")
            elif (
                isinstance(base, ast.Attribute) and base.attr == "_meta" and attr not in META_PUBLIC
            ):
                found.append(f"{line}: undocumented _meta.{attr}")
            elif (
                isinstance(base, ast.Attribute)
                and base.attr == "_state"
                and attr not in STATE_PUBLIC
            ):
                found.append(f"{line}: undocumented _state.{attr}")
            elif attr in ("_meta", "_state"):
                pass
            elif is_private(attr) and (
                attr in KNOWN_PRIVATE or (attr not in ours and attr not in OTHER_LIBRARIES)
            ):
                found.append(f"{line}: ._{attr.lstrip('_')}")
            if (
                isinstance(node.ctx, ast.Store)
                and isinstance(base, ast.Name)
                and base.id in imported
            ):
                found.append(f"{line}: monkeypatch {base.id}.{attr} = …")
        elif (
            # getattr(obj, "_name"): an attribute access spelled as a string.
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and is_private(node.args[1].value)
            and (node.args[1].value in KNOWN_PRIVATE or node.args[1].value not in ours)
        ):
            found.append(f"{line}: {node.func.id}(…, {node.args[1].value!r})")
        elif (
            # setattr(library_module, "name", value): a monkeypatch spelled differently.
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in imported
        ):
            found.append(f"{line}: monkeypatch setattr({node.args[0].id}, …)")
    return found


def test_no_library_private_api_or_monkeypatch_in_production_code():
    ours = own_names()
    problems = []
    for path in production_files():
        if str(path.relative_to(ROOT)) in ALLOWED_FILES:
            continue
        problems += findings(path, ours)
    assert not problems, "library internals in production code:\n" + "\n".join(problems)


def test_the_check_sees_each_kind_of_internal(tmp_path):
    """The walker itself: each form the rule forbids is reported, public forms are not."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from psycopg import _queries\n"
        "import django.db.models._x\n"
        "from django.db.models.sql import InsertQuery\n"
        "from pyhanko.pdf_utils import generic\n"
        "generic.read_hex_string_from_stream = len\n"
        "def view(request, obj, lazy, Model, connection):\n"
        "    request._messages\n"
        "    lazy._wrapped\n"
        "    obj._state.fields_cache\n"
        "    obj._state.adding\n"
        "    Model._meta.get_field('x')\n"
        "    Model._meta.private_fields\n"
        "    connection.needs_rollback\n"
        "    obj._undefined_anywhere_by_us\n"
        "    Model.query.get_compiler('default').as_sql()\n"
        "    compiler.as_sql()\n"
        "    expression.as_sql(compiler, connection)\n"
        "    getattr(request, '_messages', None)\n"
    )
    sample_rel = sample.relative_to(tmp_path)
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = findings(tmp_path / sample_rel, ours=set())
    finally:
        ROOT = saved
    text = "\n".join(found)
    for expected in (
        ":1: from psycopg import _queries",
        ":2: import django.db.models._x",
        ":3: from django.db.models.sql import InsertQuery",
        ":5: monkeypatch generic.read_hex_string_from_stream",
        ":7: ._messages",
        ":8: ._wrapped",
        ":9: undocumented _state.fields_cache",
        ":12: undocumented _meta.private_fields",
        ":13: .needs_rollback",
        ":14: ._undefined_anywhere_by_us",
        ":15: compiler .as_sql(",
        ":15: .get_compiler",
        ":16: compiler .as_sql(",
        ":18: getattr(…, '_messages')",
    ):
        assert expected in text, (expected, text)
    assert ":10:" not in text and ":11:" not in text and ":17:" not in text
