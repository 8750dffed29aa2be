"""Date, time and number formats of the project's languages (``FORMAT_MODULE_PATH``).

Dates are written dd/mm/yyyy and times on the 24-hour clock in every language the portal
offers: that is how Vietnamese administrative documents write them, and an English reader of a
Vietnamese service meets the same dates on the papers they are given. Input accepts dd/mm/yyyy
and ISO 8601 (what ``<input type="date">`` sends), never the US month-first order.
Only what differs from Django's locale files is set here; the rest comes from them.
"""
