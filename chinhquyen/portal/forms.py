"""The portal's inputs, read leniently: a citizen's bad or stale link still gets a page.

An unknown filter value is dropped, a bad page number means the first page and an over-long
query is cut, instead of an error page: these come from bookmarks and shared links.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from django.http import QueryDict

from chinhquyen.catalogue.models import OnlineMode

Q_MAX_LENGTH = 200
CODE_MAX_LENGTH = 60


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    agency: str = ""
    field: str = ""
    online_mode: str = ""
    page: int = 1

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.agency or self.field or self.online_mode)

    def query_string(self, *, page: int | None = None) -> str:
        """The search as a query string (for pagination links), without empty values."""
        pairs = [
            ("q", self.q),
            ("agency", self.agency),
            ("field", self.field),
            ("online_mode", self.online_mode),
        ]
        if page and page > 1:
            pairs.append(("page", str(page)))
        return urlencode([(k, v) for k, v in pairs if v])


def _page_number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return number if number >= 1 else 1


def search_params_from(
    data: QueryDict, *, agency_ids: set[str], field_codes: set[str]
) -> SearchParams:
    """Read the home page's GET parameters; values outside the offered choices are ignored."""
    agency = data.get("agency", "")
    field = data.get("field", "")
    online_mode = data.get("online_mode", "")
    return SearchParams(
        q=" ".join(data.get("q", "")[:Q_MAX_LENGTH].split()),
        agency=agency if agency in agency_ids else "",
        field=field if field in field_codes else "",
        online_mode=online_mode if online_mode in OnlineMode.values else "",
        page=_page_number(data.get("page")),
    )


def dossier_code_from(raw: str | None) -> str:
    """A dossier code as typed or scanned: no surrounding or inner spaces, bounded length.

    People paste what the receipt's QR code holds, the lookup's full address
    (``https://host/tra-cuu/CODE/``, or ``…/tra-cuu/?ma=CODE``): the code is taken out of it.
    A code never holds a ``/``, so the last part of any path is taken as the code."""
    text = "".join((raw or "").split())
    if "/" in text:
        parts = urlsplit(text if "//" in text else f"//x/{text}")
        asked = parse_qs(parts.query).get("ma")
        segments = [s for s in unquote(parts.path).split("/") if s]
        if "tra-cuu" in segments:  # the lookup's own address: what follows it
            segments = segments[segments.index("tra-cuu") + 1 :]
        text = asked[0].strip() if asked else (segments[-1] if segments else "")
        if "/" in text:  # ?ma= held an address again: a code is never one
            text = ""
    return text[:CODE_MAX_LENGTH]
