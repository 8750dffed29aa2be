"""What the citizens' portal and the officers' workspace both draw on, so that neither imports the
other's views: the e-form renderer (``eform.py``) and a few shared page helpers (``common.py``).
Not an app (no models, no views, no URLs); it builds on the domain apps and sits under both."""
