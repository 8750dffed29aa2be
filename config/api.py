"""The API root: mounts every app's router on the one API object (core/api.py). Each app owns its
`api.py`; this is wiring, so it lives in config/ beside the URLs, not in the kernel."""

from chinhquyen.accounts.api import router as accounts_router
from chinhquyen.catalogue.api import router as catalogue_router
from chinhquyen.core.api import api
from chinhquyen.dossiers.api import router as dossiers_router
from chinhquyen.exchange.api import router as exchange_router
from chinhquyen.feedback.api import router as feedback_router
from chinhquyen.printforms.api import router as printforms_router
from chinhquyen.reporting.api import router as reporting_router
from chinhquyen.signatures.api import router as signatures_router
from chinhquyen.units.api import router as units_router
from chinhquyen.workdays.api import router as workdays_router

# Django tries the URL patterns in order: the dossiers' (the portal's status lookups and the
# submissions, by far the most frequent calls) come first. No other router has a path under
# /dossiers, so the order changes nothing else (but the OpenAPI document's order).
api.add_router("/dossiers", dossiers_router)
api.add_router("/", accounts_router)
api.add_router("/calendar", workdays_router)
api.add_router("/agencies", units_router)
api.add_router("/procedures", catalogue_router)
api.add_router("/forms", printforms_router)
api.add_router("/signatures", signatures_router)
api.add_router("/exchange", exchange_router)
api.add_router("/", reporting_router)
api.add_router("/feedback", feedback_router)

__all__ = ["api"]
