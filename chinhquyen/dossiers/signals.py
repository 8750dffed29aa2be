"""Domain signals of the dossiers app, for read models kept by other apps (the reporting
centre's counters) and for the applicant's notifications (``notifications/receivers.py``): the
dossiers app imports neither. Sent explicitly by the services, inside the writing transaction, at a point
chosen for it: a submission sends ``event_recorded`` after its code is taken, so a receiver's
row locks are held only for the tail of the transaction. Receivers must not change dossiers.

- ``event_recorded(event=DossierEvent, day=date | None)``: a new history event of a dossier
  (its ``dossier`` is the in-memory dossier with the transition applied); ``day``, when the
  sender has it, is the event's local calendar day (``timezone.localtime(event.at).date()``);
- ``evaluated(evaluation=DossierEvaluation)``: a new evaluation of a finished dossier.
"""

from django.dispatch import Signal

event_recorded = Signal()
evaluated = Signal()
