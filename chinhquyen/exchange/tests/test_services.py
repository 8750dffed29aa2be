"""Hub and node services in one process: the hub's and both nodes' tables share the test
database (registers are keyed by agency), and the "network" is a direct call."""

from __future__ import annotations

import datetime as dt
import sys
from types import SimpleNamespace

import pytest
from django.utils import timezone

from chinhquyen.core.errors import Conflict, PermissionDenied, ValidationFailed
from chinhquyen.exchange import edxml, services
from chinhquyen.exchange.figures import (
    figures_for,
    register_assess_pending,
    register_entry_assess,
    signature_assess,
)
from chinhquyen.exchange.log import log_timestamp, log_verify
from chinhquyen.exchange.management.commands.exchange import fake_pdf
from chinhquyen.exchange.models import (
    HubDelivery,
    InboxMessage,
    LogEntry,
    LogHead,
    OutboxMessage,
    OutboxState,
    RegisterEntry,
)

A, B, C = "000.01.31.H26", "000.02.31.H26", "000.03.31.H26"


class Net:
    """Both nodes and the hub in one database; switch who "we" are with ``as_node``."""

    def __init__(self, settings, keys):
        self.settings = settings
        self.keys = keys
        self.peers = {}
        for label, agency in (("a", A), ("b", B), ("other", C)):
            peer, _ = services.peer_register(
                agency_id=agency,
                name=f"Cơ quan {label}",
                certificate_pem=keys[label].cert_pem.decode(),
            )
            self.peers[agency] = peer
        self.label = {A: "a", B: "b", C: "other"}

    def as_node(self, agency: str) -> None:
        pair = self.keys[self.label[agency]]
        self.settings.EXCHANGE_KEY_FILE = str(pair.key_path)
        self.settings.EXCHANGE_CERT_FILE = str(pair.cert_path)
        services.node_identity_set(
            agency_id=agency, name=f"Cơ quan {agency}", hub_url="http://hub.invalid", token="t"
        )

    def push(self, agency: str) -> list:
        """Deliver everything ``agency`` has queued to the hub, as its worker would."""
        answers = []
        for msg in OutboxMessage.objects.filter(state=OutboxState.PENDING).order_by("id"):
            if not msg.message_id or msg.kind is None:
                continue
            model = edxml.parse(bytes(msg.payload))
            if model.from_.organ_id != agency:
                continue
            answers.append(
                services.hub_accept(
                    peer=self.peers[agency], message_id=msg.message_id, payload=bytes(msg.payload)
                )
            )
            services.outbox_mark(msg=msg, status=201)
        return answers

    def pull(self, agency: str) -> int:
        """``agency``'s worker: receive from the hub, then acknowledge."""
        self.as_node(agency)
        got = services.hub_inbox(peer=self.peers[agency])
        for m in got:
            services.inbox_receive(
                message_id=m["message_id"], sender=m["sender"], payload=m["payload"].encode()
            )
        services.hub_ack(peer=self.peers[agency], message_ids=[m["message_id"] for m in got])
        return len(got)

    def send(self, agency: str, to: list[str], number: str = "1", **kw):
        self.as_node(agency)
        msg = services.document_send(
            to=[(t, f"Cơ quan {t}") for t in to],
            number=number,
            notation="UBND-VP",
            subject=kw.pop("subject", "Về việc thử nghiệm liên thông"),
            **kw,
        )
        self.push(agency)
        return msg


@pytest.fixture
def net(db, settings, exchange_keys):
    settings.EXCHANGE_ROLE = "hub"
    settings.EXCHANGE_ASSESS_SIGNATURES = True
    return Net(settings, exchange_keys)


def entry(agency, direction, counterpart, document_id=None):
    qs = RegisterEntry.objects.filter(
        agency_id=agency, direction=direction, counterpart_id=counterpart
    )
    if document_id:
        qs = qs.filter(document_id=document_id)
    return qs.get()


def test_one_document_to_two_agencies_reaches_both_and_01_flows_back(net):
    msg = net.send(A, [B, C], files=[services.FileIn(name="vb.pdf", data=fake_pdf(5000, 1))])
    assert HubDelivery.objects.filter(message__message_id=msg.message_id).count() == 2
    # (One database stands for every node here, so only B applies it; C's copy waits at the hub.
    # The process tests deliver one message to two real nodes.)
    assert [m["message_id"] for m in services.hub_inbox(peer=net.peers[C])] == [msg.message_id]
    assert net.pull(B) == 1
    b_line = entry(B, "in", A)
    assert b_line.status == "01" and b_line.number_notation == "1/UBND-VP"
    # The recipient answered "01 arrived" automatically; it flows back to A.
    net.push(B)
    assert net.pull(A) == 1
    assert entry(A, "out", B).status == "01"
    assert entry(A, "out", C).status == "sent"


def test_processing_statuses_flow_back_and_never_go_backwards(net):
    msg = net.send(A, [B])
    net.pull(B)
    line = entry(B, "in", A)
    net.as_node(B)
    services.status_send(entry=line, code="03", description="Đã vào sổ")
    services.status_send(entry=line, code="04", staff="Chuyên viên Lan")
    net.push(B)
    net.pull(A)
    out = entry(A, "out", B, msg.document_id)
    assert out.status == "04" and out.handler == "Chuyên viên Lan"
    assert [h["event"] for h in out.history][-2:] == ["status-03", "status-04"]
    # A late "01" (redelivered out of order) does not move the status back.
    net.as_node(B)
    services.status_send(entry=entry(B, "in", A), code="01")
    net.push(B)
    net.pull(A)
    assert entry(A, "out", B).status == "04"


def test_a_redelivered_message_has_no_second_effect(net):
    net.send(A, [B])
    pending = services.hub_inbox(peer=net.peers[B])
    net.as_node(B)
    first = pending[0]
    assert (
        services.inbox_receive(
            message_id=first["message_id"], sender=A, payload=first["payload"].encode()
        )
        is True
    )
    # The node crashed before acknowledging: the hub hands it out again.
    again = services.hub_inbox(peer=net.peers[B])
    assert [m["message_id"] for m in again] == [first["message_id"]]
    assert (
        services.inbox_receive(
            message_id=first["message_id"], sender=A, payload=first["payload"].encode()
        )
        is False
    )
    assert InboxMessage.objects.count() == 1
    assert RegisterEntry.objects.filter(agency_id=B, direction="in").count() == 1
    assert OutboxMessage.objects.filter(kind="status").count() == 1  # one "01", not two


def test_the_hub_answers_a_duplicate_post_the_same_way(net):
    net.as_node(A)
    msg = services.document_send(to=[(B, "")], number="7", notation="X", subject="s")
    payload = bytes(msg.payload)
    first = services.hub_accept(peer=net.peers[A], message_id=msg.message_id, payload=payload)
    second = services.hub_accept(peer=net.peers[A], message_id=msg.message_id, payload=payload)
    assert not first.duplicate and second.duplicate and second.recipients == [B]
    assert HubDelivery.objects.count() == 1
    with pytest.raises(Conflict):
        services.hub_accept(peer=net.peers[A], message_id=msg.message_id, payload=payload + b" ")


def test_the_hub_refuses_a_sender_that_is_not_who_it_claims(net):
    net.as_node(A)
    msg = services.document_send(to=[(B, "")], number="8", notation="X", subject="s")
    with pytest.raises(PermissionDenied):
        services.hub_accept(peer=net.peers[C], message_id="x-1", payload=bytes(msg.payload))


def test_the_hub_refuses_a_bad_signature_and_unknown_recipients(net):
    net.as_node(A)
    msg = services.document_send(to=[(B, "")], number="9", notation="X", subject="Nội dung gốc")
    forged = bytes(msg.payload).replace("Nội dung gốc".encode(), "Nội dung sửa".encode())
    with pytest.raises(ValidationFailed, match="Chữ ký số"):
        services.hub_accept(peer=net.peers[A], message_id="forged", payload=forged)
    msg2 = services.document_send(
        to=[("999.99.99.H99", "")], number="10", notation="X", subject="s"
    )
    with pytest.raises(ValidationFailed, match="chưa đăng ký"):
        services.hub_accept(
            peer=net.peers[A], message_id=msg2.message_id, payload=bytes(msg2.payload)
        )


def test_revoke_update_and_replace_apply_to_the_recipients_copy(net):
    first = net.send(A, [B], number="11", subject="Bản gốc")
    second = net.send(A, [B], number="12", subject="Văn bản sẽ bị thay")
    net.pull(B)
    net.send(
        A,
        [B],
        number="11",
        subject="Bản đã cập nhật",
        business_type=2,
        target_document_id=first.document_id,
    )
    net.pull(B)
    assert entry(B, "in", A, first.document_id).subject == "Bản đã cập nhật"
    net.send(
        A,
        [B],
        number="11",
        subject="Thu hồi",
        business_type=1,
        target_document_id=first.document_id,
    )
    net.pull(B)
    assert entry(B, "in", A, first.document_id).status == "revoked"
    assert entry(A, "out", B, first.document_id).status == "revoked"
    third = net.send(
        A,
        [B],
        number="13",
        subject="Văn bản thay thế",
        business_type=3,
        replaces=[second.document_id],
    )
    net.pull(B)
    old = entry(B, "in", A, second.document_id)
    assert old.status == "replaced" and old.replaced_by == third.document_id
    assert entry(B, "in", A, third.document_id).status == "01"
    assert entry(A, "out", B, second.document_id).status == "replaced"


def test_withdraw_request_13_and_answer_15(net):
    msg = net.send(A, [B])
    net.pull(B)
    net.as_node(A)
    services.status_send(
        entry=entry(A, "out", B, msg.document_id), code="13", description="Xin lấy lại"
    )
    net.push(A)
    net.pull(B)
    line = entry(B, "in", A)
    assert line.request_status == "13"
    net.as_node(B)
    services.status_send(entry=line, code="15")
    assert entry(B, "in", A).status == "revoked"
    net.push(B)
    net.pull(A)
    out = entry(A, "out", B)
    assert out.request_status == "15" and out.status == "revoked"


def test_status_codes_are_checked(net):
    msg = net.send(A, [B])
    net.as_node(A)
    with pytest.raises(ValidationFailed):
        services.status_send(entry=entry(A, "out", B, msg.document_id), code="03")
    with pytest.raises(ValidationFailed):
        services.status_send(entry=entry(A, "out", B, msg.document_id), code="42")


def test_outbox_backs_off_and_ordered_messages_wait_their_turn(net, settings):
    settings.EXCHANGE_RETRY_BASE_SECONDS = 10
    net.as_node(A)
    first = services.document_send(to=[(B, "")], number="21", notation="X", subject="s")
    revoke = services.document_send(
        to=[(B, "")],
        number="21",
        notation="X",
        subject="s",
        business_type=1,
        target_document_id=first.document_id,
    )
    batch = services.outbox_batch(10)
    assert [m.pk for m in batch] == [first.pk]  # the revoke never rides along with its document
    services.outbox_mark(msg=first, status=None, error="connection refused")
    first.refresh_from_db()
    assert first.attempts == 1 and first.next_attempt_at > timezone.now() + dt.timedelta(seconds=5)
    assert services.outbox_batch(10) == []  # nothing due; the revoke does not overtake
    services.outbox_mark(msg=first, status=201)
    assert [m.pk for m in services.outbox_batch(10)] == [revoke.pk]
    services.outbox_mark(msg=revoke, status=422, error="refused")
    revoke.refresh_from_db()
    assert revoke.state == OutboxState.FAILED


# --- message log ---------------------------------------------------------------------------------


def test_the_message_log_verifies_and_detects_tampering(net):
    net.send(A, [B])
    net.pull(B)
    report = log_verify()
    assert report.ok, report.problems
    assert report.entries == LogEntry.objects.count() >= 4
    # An altered stored message is found.
    inbox = InboxMessage.objects.get()
    InboxMessage.objects.filter(pk=inbox.pk).update(
        payload=bytes(inbox.payload).replace(b"UBND-VP", b"UBND-XX")
    )
    assert any("altered" in p for p in log_verify().problems)
    InboxMessage.objects.filter(pk=inbox.pk).update(payload=inbox.payload)
    # An edited log entry is found.
    e = LogEntry.objects.order_by("seq")[1]
    LogEntry.objects.filter(pk=e.pk).update(peer="000.09.99.H99")
    assert any("hash mismatch" in p for p in log_verify().problems)
    LogEntry.objects.filter(pk=e.pk).update(peer=e.peer)
    assert log_verify().ok
    # Removing the newest entry is found through the head.
    LogEntry.objects.order_by("-seq").first().delete()
    assert any("removed" in p for p in log_verify(check_payloads=False).problems)


def test_log_timestamps_from_the_loopback_tsa_verify_and_seal(net, loopback_pki):
    net.send(A, [B])
    ts = log_timestamp(tsa_url=loopback_pki.tsa_url)
    assert ts is not None and ts.seq == LogHead.objects.get().seq
    assert log_timestamp(tsa_url=loopback_pki.tsa_url) is None  # head already sealed
    report = log_verify(trust_root_pem=loopback_pki.root_cert_pem)
    assert report.ok, report.problems
    assert report.timestamps == 1
    assert log_verify().ok  # without a root: the token's integrity and imprint only
    # Rewriting the chain under a seal: recompute every hash after an edit -> the seal breaks.
    head = LogHead.objects.get()
    LogEntry.objects.filter(seq=head.seq).update(entry_hash="f" * 64)
    LogHead.objects.filter(pk=1).update(hash="f" * 64)
    problems = log_verify(trust_root_pem=loopback_pki.root_cert_pem, check_payloads=False).problems
    assert any("sealed chain head" in p for p in problems)


def test_a_corrupt_timestamp_token_is_reported(net, loopback_pki):
    net.send(A, [B])
    ts = log_timestamp(tsa_url=loopback_pki.tsa_url)
    type(ts).objects.filter(pk=ts.pk).update(token=bytes(ts.token)[:-40] + b"\0" * 40)
    assert any("time-stamp" in p for p in log_verify(check_payloads=False).problems)


# --- signature figures ---------------------------------------------------------------------------


def test_figures_say_no_data_until_assessed(net):
    net.send(A, [B, C], number="31")
    net.send(A, [B], number="32")
    today = timezone.localdate()
    fig = figures_for(agency_id=A, date_from=today, date_to=today)
    assert (fig.sent, fig.received) == (2, 0)
    assert fig.personal_share is None and fig.agency_share is None and fig.decree30_share is None
    net.pull(B)
    assert figures_for(agency_id=B, date_from=today, date_to=today).received == 2
    RegisterEntry.objects.filter(agency_id=A, document_id__endswith="31/UBND-VP").update(
        personal_signature_valid=True, agency_signature_valid=False, decree30_ok=True
    )
    fig = figures_for(agency_id=A, date_from=today, date_to=today)
    assert fig.personal_share == 1.0 and fig.agency_share == 0.0 and fig.decree30_share == 1.0
    assert fig.assessed == 1
    yesterday = today - dt.timedelta(days=1)
    assert figures_for(agency_id=A, date_from=yesterday, date_to=yesterday).sent == 0


def test_signature_assessment_uses_validate_pdf_on_the_pdf(net, monkeypatch):
    import chinhquyen.signatures.validation as validation

    seen = []

    def fake_validate(data):
        seen.append(data[:8])
        return SimpleNamespace(personal_valid=True, agency_valid=False, decree30_ok=None)

    monkeypatch.setattr(validation, "validate_pdf", fake_validate)
    net.send(A, [B], files=[services.FileIn(name="vb.pdf", data=fake_pdf(3000, 5))])
    line = RegisterEntry.objects.get(agency_id=A)
    assert register_entry_assess(entry=line)
    line.refresh_from_db()
    assert (line.personal_signature_valid, line.agency_signature_valid, line.decree30_ok) == (
        True,
        False,
        None,
    )
    assert seen == [b"%PDF-1.4"]


def test_signature_assessment_degrades_without_the_signatures_module(net, monkeypatch):
    monkeypatch.setitem(sys.modules, "chinhquyen.signatures.validation", None)
    net.send(A, [B], files=[services.FileIn(name="vb.pdf", data=fake_pdf(3000, 6))])
    assert signature_assess(bytes(OutboxMessage.objects.filter(kind="edoc").get().payload)) == (
        None,
        None,
        None,
    )
    assert register_assess_pending() == 0
    assert RegisterEntry.objects.get(agency_id=A).personal_signature_valid is None


def test_an_unreadable_pdf_counts_as_not_valid(net):
    net.send(A, [B], files=[services.FileIn(name="hong.pdf", data=b"%PDF-1.4 broken")])
    payload = bytes(OutboxMessage.objects.filter(kind="edoc").get().payload)
    assert signature_assess(payload) == (False, False, False)


def test_a_pulled_batch_is_applied_once_with_one_01_per_document(net):
    for number in ("41", "42", "43"):
        net.send(A, [B], number=number)
    batch = [
        (m["message_id"], m["sender"], m["payload"].encode())
        for m in services.hub_inbox(peer=net.peers[B])
    ]
    net.as_node(B)
    assert len(services.inbox_receive_batch(messages=batch)) == 3
    # Redelivered after a crash before the acknowledgement: acknowledged again, applied never.
    assert len(services.inbox_receive_batch(messages=batch)) == 3
    assert RegisterEntry.objects.filter(agency_id=B, direction="in").count() == 3
    assert OutboxMessage.objects.filter(kind="status").count() == 3
    assert log_verify().ok
    net.push(B)
    statuses = [
        (m["message_id"], m["sender"], m["payload"].encode())
        for m in services.hub_inbox(peer=net.peers[A])
    ]
    net.as_node(A)
    assert len(services.inbox_receive_batch(messages=statuses)) == 3
    assert set(
        RegisterEntry.objects.filter(agency_id=A, direction="out").values_list("status", flat=True)
    ) == {"01"}


def test_a_bad_message_in_a_batch_holds_up_no_other(net):
    net.send(A, [B], number="51")
    good = [
        (m["message_id"], m["sender"], m["payload"].encode())
        for m in services.hub_inbox(peer=net.peers[B])
    ]
    net.as_node(B)
    done = services.inbox_receive_batch(messages=[("bad-1", A, b"<not edxml"), *good])
    assert done == [good[0][0]]
    assert RegisterEntry.objects.filter(agency_id=B, direction="in").count() == 1
