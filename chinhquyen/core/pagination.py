"""The bounds of every paginated API parameter, written once (docs/api.md, "Pagination").

A page or an offset past what a database integer holds used to reach the query and fail there
(SQLite: OverflowError, PostgreSQL: bigint out of range) as a 500. Every list of the API takes
its ``page``/``page_size`` or ``offset``/``limit`` through these types instead: out of bounds —
negative, zero where it cannot be, or absurdly far — is a 422 with the field named, and the
bounds appear in the OpenAPI document. A page within the bounds but past the end is an empty
page, as before.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# No list of ours comes near: 10 million rows at the smallest page size.
PAGE_MAX = 1_000_000
OFFSET_MAX = 10_000_000

PageNumber = Annotated[int, Field(ge=1, le=PAGE_MAX, description=f"1 – {PAGE_MAX}")]
Offset = Annotated[int, Field(ge=0, le=OFFSET_MAX, description=f"0 – {OFFSET_MAX}")]

# Page sizes and limits, each list's own maximum.
PageSize100 = Annotated[int, Field(ge=1, le=100, description="1 – 100")]
Limit200 = Annotated[int, Field(ge=1, le=200, description="1 – 200")]
Limit500 = Annotated[int, Field(ge=1, le=500, description="1 – 500")]
