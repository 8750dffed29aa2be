"""The applicant is told about their dossier's events: a receiver of the dossiers app's domain
signal (``dossiers/signals.py``), so that the dossiers app does not know this one exists. The
signal is sent inside the writing transaction; the message is queued once it commits."""

from django.dispatch import receiver

from chinhquyen.dossiers import signals

from .services import notify_dossier_event_on_commit


@receiver(signals.event_recorded, dispatch_uid="notifications.dossier_event")
def _dossier_event_recorded(sender, event, **kwargs):
    notify_dossier_event_on_commit(dossier=event.dossier, event_seq=event.seq)
