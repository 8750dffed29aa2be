"""The citizen portal: thin views over the catalogue's and the dossiers' selectors.

Search is the catalogue's (``procedures_search``), the public progress is the API's
(``status_body`` over ``dossier_get_public``): the portal shows them and owns no business rule.
"""

from __future__ import annotations

import json

from django.core.paginator import EmptyPage, Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from chinhquyen.catalogue.models import OnlineMode
from chinhquyen.catalogue.searchlog import (
    COOKIE,
    COOKIE_MAX_AGE,
    search_cookie_query,
    search_cookie_value,
    search_log,
    search_log_opened,
)
from chinhquyen.catalogue.selectors import procedure_get, procedures_search
from chinhquyen.core.errors import NotFound
from chinhquyen.core.pagecache import CATALOGUE, anonymous_page_cache, page_cached
from chinhquyen.dossiers.api import status_body
from chinhquyen.dossiers.evaluation import EVALUABLE_STATES
from chinhquyen.dossiers.selectors import dossier_get_public

from . import selectors
from .forms import CODE_MAX_LENGTH, dossier_code_from, search_params_from
from .progress import progress_steps

PAGE_SIZE = 20


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # The page is the same for every anonymous visitor (pagecache); the search is logged on every
    # visit, cached page or not, with the visit's own cookie.
    response, meta = page_cached(
        request, lambda: _home_page(request), namespaces=(CATALOGUE,), ignore_cookies=(COOKIE,)
    )
    if meta.get("query"):
        logged = search_log(
            query=meta["query"],
            found=meta["found"],
            previous=search_cookie_query(request.COOKIES.get(COOKIE, "")),
        )
        if logged:
            # The visit's last query, in the person's own browser only (searchlog.py): the next
            # search or a result opened from the list tells whether this one helped.
            response.set_cookie(
                COOKIE,
                search_cookie_value(logged),
                max_age=COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
            )
    return response


def _home_page(request: HttpRequest) -> tuple[HttpResponse, dict]:
    """The catalogue page for the address's search and filters, and what to log about it."""
    fields = selectors.search_fields()
    filters = selectors.agency_filter(
        province=request.GET.get("tinh", ""), agency=request.GET.get("agency", "")
    )
    params = search_params_from(
        request.GET,
        agency_ids=filters.agency_ids,
        field_codes={code for code, _ in fields},
    )
    results = procedures_search(
        q=params.q,
        agency=params.agency or None,
        field=params.field or None,
        online_mode=params.online_mode or None,
    )
    paginator = Paginator(results, PAGE_SIZE)
    try:
        page = paginator.page(params.page)
    except EmptyPage:  # a page past the end (or of an emptied list): start again
        page = paginator.page(1)
    counts = selectors.procedure_agency_counts(procedure_ids=[v.procedure_id for v in page])
    items = [(version, counts.get(version.procedure_id, 0)) for version in page]
    response = render(
        request,
        "portal/home.html",
        {
            "params": params,
            "filters": filters,
            "agencies": filters.agencies,
            "fields": fields,
            "online_modes": OnlineMode.choices,
            "page": page,
            "items": items,
            "previous_query": params.query_string(page=page.number - 1)
            if page.has_previous()
            else None,
            "next_query": params.query_string(page=page.number + 1) if page.has_next() else None,
            # What the query was also searched as (synonyms, with their notes) and its
            # correction: ranked results tell (catalogue/search.py), the plain list has none.
            "expansions": getattr(results, "expansions", []),
            "corrected": getattr(results, "corrected", ""),
        },
    )
    logged = params.q if params.q and page.number == 1 else ""
    return response, {"query": logged, "found": paginator.count}


SUGGESTIONS = 6
SUGGEST_MIN_LETTERS = 2


@require_safe
def suggest(request: HttpRequest) -> JsonResponse:
    """The home page's autocomplete: the first procedures of the search's own ranking
    (``procedures_search``, the same order as the results page), names and addresses only.
    Suggestions are not searches: nothing is logged."""
    q = (request.GET.get("q") or "").strip()[:200]
    suggestions = []
    if len(q) >= SUGGEST_MIN_LETTERS:
        for version in procedures_search(q=q)[:SUGGESTIONS]:
            code = version.procedure.code
            suggestions.append(
                {
                    "code": code,
                    "name": version.name,
                    "url": reverse("portal:procedure", args=[code]),
                }
            )
    response = JsonResponse({"q": q, "suggestions": suggestions})
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_safe
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    response, _meta = page_cached(
        request,
        lambda: (_procedure_page(request, code), {}),
        namespaces=(CATALOGUE,),
        ignore_cookies=(COOKIE,),
    )
    # A procedure opened while the visit's last search is still in its cookie: the search helped
    # (the address stays the procedure's own, to share and to cache).
    searched = search_cookie_query(request.COOKIES.get(COOKIE, ""))
    if searched and response.status_code == 200:
        search_log_opened(query=searched)
        # The search helped: the next one is a new need, not a refinement.
        response.delete_cookie(COOKIE, samesite="Lax")
    return response


def _procedure_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        version = procedure_get(code=code[:40], with_agencies=False)
    except NotFound as exc:
        return render(request, "portal/not_found.html", {"message": exc.message}, status=404)
    where = selectors.procedure_agencies(
        procedure=version.procedure, province=request.GET.get("tinh", "")
    )
    documents = list(version.documents.all())
    for doc in documents:
        doc.safe_template_url = _safe_url(doc.template_url)
    return render(
        request,
        "portal/procedure_detail.html",
        {
            "version": version,
            "procedure": version.procedure,
            "documents": documents,
            "agencies": where.agencies,
            "where": where,
            "has_fees": bool(version.fees),
        },
    )


def _safe_url(url: str) -> str:
    """Only web links become ``href``s. The catalogue validates them on import; the portal
    checks again because rows written before that check, or by hand, may hold anything."""
    url = (url or "").strip()
    return url if url.startswith(("https://", "http://", "/")) and not url.startswith("//") else ""


@require_safe
@anonymous_page_cache()
def lookup(request: HttpRequest) -> HttpResponse:
    """The lookup form; a submitted code goes to its own address, the one the receipt's QR holds."""
    if "ma" in request.GET:
        code = dossier_code_from(request.GET["ma"])
        if code:
            return redirect("portal:lookup_result", code=code)
        return render(request, "portal/lookup.html", {"error": True}, status=200)
    return render(request, "portal/lookup.html", {})


@require_safe
def lookup_result(request: HttpRequest, code: str) -> HttpResponse:
    code = dossier_code_from(code)
    try:
        dossier = dossier_get_public(code=code)
    except NotFound:
        return render(
            request,
            "portal/lookup.html",
            {"code": code, "not_found": True, "max_length": CODE_MAX_LENGTH},
            status=404,
        )
    body = status_body(dossier)
    # The receipt's QR leads here: once the dossier has ended, point its applicant to the
    # evaluation (behind login, so nothing about who applied shows on this public page).
    evaluable = dossier.state in EVALUABLE_STATES
    # The page shows the public status and nothing else: the page drawn for that status is
    # served again while the status (its deadline state included) stays the same.
    response, _meta = page_cached(
        request,
        lambda: (_lookup_result_page(request, dossier, body, evaluable), {}),
        namespaces=(),
        vary=json.dumps(body, sort_keys=True, default=str) + f"|{evaluable}",
    )
    return response


def _lookup_result_page(request: HttpRequest, dossier, body: dict, evaluable: bool):
    return render(
        request,
        "portal/lookup_result.html",
        {
            "dossier": dossier,
            "body": body,
            "steps": progress_steps(
                status_code=dossier.status_code, received=dossier.received_at is not None
            ),
            "evaluable": evaluable,
        },
    )
