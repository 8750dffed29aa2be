"""What the applicant is told, and when: one message per event worth telling, in Vietnamese."""

from __future__ import annotations

import pytest

from chinhquyen.dossiers.services import Applicant, dossier_act
from chinhquyen.notifications.models import Notification, mask_address
from chinhquyen.notifications.services import (
    notification_dossier_event,
    notify_dossier_event_on_commit,
)

from .conftest import at, submit

pytestmark = pytest.mark.django_db

LOOKUP = "https://dichvucong.example.vn/tra-cuu/"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.PUBLIC_BASE_URL = "https://dichvucong.example.vn/"


def told(dossier) -> Notification | None:
    """The message about the dossier's latest event."""
    dossier.refresh_from_db()
    return notification_dossier_event(dossier_id=dossier.pk, event_seq=dossier.history_length)


def act(world, dossier, user, action, when, comment="", **params):
    return dossier_act(
        user=user, code=dossier.code, action=action, comment=comment, params=params, at=when
    )


def test_every_step_of_the_standard_flow_tells_the_applicant_what_happened_and_what_next(world):
    d = submit(world, at=at(2026, 3, 2, 9))
    n = told(d)
    assert n.subject == f"[Mã hồ sơ {d.code}] Đã nhận hồ sơ trực tuyến"
    assert n.recipient == "congdan@example.vn"
    assert "Kính gửi: Congdan," in n.body
    assert "UBND phường Thử Nghiệm A đã nhận hồ sơ trực tuyến" in n.body
    assert f"Tra cứu tình trạng hồ sơ: {LOOKUP}{d.code}" in n.body
    assert "Thủ tục: Thủ tục thử nghiệm đăng ký khai sinh" in n.body

    d = act(world, d, world.counter_a, "accept", at(2026, 3, 2, 10))
    n = told(d)
    assert n.subject == f"[Mã hồ sơ {d.code}] Đã tiếp nhận hồ sơ"
    # Accepted Monday 2/3 10:00, five working days: Monday 9/3 10:00, written as people read it.
    assert "Hẹn trả kết quả: 10:00 thứ Hai 09/03/2026." in n.body

    d = act(world, d, world.handler_a, "request_supplement", at(2026, 3, 2, 11), "Bản sao CCCD")
    n = told(d)
    assert n.subject.endswith("Yêu cầu bổ sung hồ sơ")
    assert "Bản sao CCCD" in n.body and "tính lại từ khi nhận đủ hồ sơ" in n.body

    d = act(world, d, world.citizen, "submit_supplement", at(2026, 3, 3, 9))
    assert told(d).subject.endswith("Đã nhận hồ sơ bổ sung")

    d = act(world, d, world.leader_a, "assign", at(2026, 3, 3, 10), assignee="chuyenvien")
    assert told(d).subject.endswith("Hồ sơ đang được giải quyết")

    d = act(world, d, world.leader_a, "approve", at(2026, 3, 3, 11))
    assert told(d) is None, "approval is an internal step: the national status stays 4"

    d = act(world, d, world.handler_a, "request_payment", at(2026, 3, 3, 14), amount=1250000)
    n = told(d)
    assert n.subject.endswith("Đề nghị nộp phí, lệ phí")
    assert "1.250.000 đồng" in n.body

    d = act(world, d, world.counter_a, "confirm_payment", at(2026, 3, 4, 9))
    assert told(d).subject.endswith("Đã nhận phí, lệ phí")

    d = act(world, d, world.handler_a, "finish", at(2026, 3, 4, 10), result_code="GKS-001")
    n = told(d)
    assert n.subject.endswith("Đã có kết quả giải quyết hồ sơ")
    assert "Số kết quả: GKS-001" in n.body

    d = act(world, d, world.counter_a, "return_result", at(2026, 3, 4, 11))
    n = told(d)
    assert n.subject.endswith("Đã trả kết quả giải quyết hồ sơ")
    assert "đánh giá mức độ hài lòng" in n.body

    assert Notification.objects.filter(dossier=d).count() == 9


def test_refusal_extension_stop_and_withdrawal_carry_their_reason_or_new_date(world):
    refused = submit(world, at=at(2026, 3, 2, 9))
    refused = act(world, refused, world.counter_a, "refuse", at(2026, 3, 2, 10), "Sai thủ tục")
    n = told(refused)
    assert n.subject.endswith("Không tiếp nhận hồ sơ") and "Lý do: Sai thủ tục" in n.body

    late = submit(world, at=at(2026, 3, 2, 9))
    act(world, late, world.counter_a, "accept", at(2026, 3, 2, 10))
    late = act(world, late, world.leader_a, "extend", at(2026, 3, 4, 9), "Chờ xác minh", days=3)
    n = told(late)
    assert n.subject.endswith("Xin lỗi và hẹn lại ngày trả kết quả")
    assert "xin lỗi" in n.body and "Lý do: Chờ xác minh" in n.body
    assert "Hẹn trả kết quả mới: 10:00 thứ Năm 12/03/2026." in n.body

    stopped = act(world, late, world.leader_a, "stop", at(2026, 3, 5, 9), "Trùng hồ sơ")
    n = told(stopped)
    assert n.subject.endswith("Dừng xử lý hồ sơ") and "Lý do: Trùng hồ sơ" in n.body

    withdrawn = submit(world, at=at(2026, 3, 2, 9))
    withdrawn = act(world, withdrawn, world.citizen, "withdraw", at(2026, 3, 2, 11))
    assert told(withdrawn).subject.endswith("Đã rút hồ sơ")


def test_internal_hand_overs_are_not_news_to_the_applicant(world):
    d = submit(world, at=at(2026, 3, 2, 9))
    act(world, d, world.counter_a, "accept", at(2026, 3, 2, 10))
    d = act(world, d, world.leader_a, "assign", at(2026, 3, 2, 11), assignee="chuyenvien")
    assert told(d) is not None, "the first assignment moves the dossier to 'in process'"
    d = act(world, d, world.leader_a, "assign", at(2026, 3, 2, 14), assignee="chuyenvien")
    assert told(d) is None, "a re-assignment is not"
    d = act(
        world, d, world.handler_a, "forward", at(2026, 3, 2, 15), agency=world.agency_b.agency_id
    )
    assert told(d) is None


def test_counter_intake_says_received_not_received_online(world):
    d = submit(
        world,
        user=world.counter_a,
        channel=1,
        applicant=Applicant(name="Trần Thị Quầy", email="quay@example.vn"),
    )
    n = told(d)
    assert n.subject == f"[Mã hồ sơ {d.code}] Đã nhận hồ sơ"
    assert "Kính gửi: Trần Thị Quầy," in n.body


def test_building_the_message_twice_returns_the_same_row(world):
    d = submit(world)
    first = notification_dossier_event(dossier_id=d.pk, event_seq=1)
    again = notification_dossier_event(dossier_id=d.pk, event_seq=1)
    assert first.pk == again.pk
    assert Notification.objects.count() == 1


def test_nothing_is_built_when_the_applicant_has_no_email(world):
    d = submit(world, user=world.counter_a, channel=1, applicant=Applicant(name="Lê Văn Không"))
    assert notification_dossier_event(dossier_id=d.pk, event_seq=1) is None
    assert not Notification.objects.exists()


def test_the_entry_point_enqueues_only_after_commit_and_only_when_switched_on(
    world, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    d = submit(world)
    settings.NOTIFICATIONS_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify_dossier_event_on_commit(dossier=d, event_seq=1)
    assert callbacks == [] and not DBTaskResult.objects.exists()

    settings.NOTIFICATIONS_ENABLED = True
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_dossier_event_on_commit(dossier=d, event_seq=1)
    assert len(callbacks) == 1 and not DBTaskResult.objects.exists(), "nothing before commit"
    callbacks[0]()
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("notify_dossier_event")
    assert task.args_kwargs["kwargs"] == {"dossier_id": d.pk, "event_seq": 1}


def test_addresses_are_masked_to_their_first_letter_and_domain():
    assert mask_address("congdan@example.vn") == "c***@example.vn"
    assert mask_address("not-an-address") == "***"


def test_a_message_whose_sender_died_is_requeued_by_the_sweeper(world):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    d = submit(world)
    n = told(d)
    Notification.objects.filter(pk=n.pk).update(
        status="sending", attempts=1, next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    fresh = told(act(world, d, world.counter_a, "accept", timezone.now()))

    call_command("notifications_requeue", verbosity=0)

    tasks = DBTaskResult.objects.filter(task_path__endswith="notification_deliver")
    assert [t.args_kwargs["kwargs"]["notification_id"] for t in tasks] == [n.pk]
    assert fresh.pk != n.pk, "a message queued moments ago still has its own task"


def test_the_admin_lists_messages_with_the_address_masked(world, client, django_user_model):
    # Not pytest-django's admin_client: its "admin" would be the world's non-superuser sysadmin.
    client.force_login(django_user_model.objects.create_superuser("quantri", "q@example.vn"))
    d = submit(world)
    n = told(d)
    page = client.get("/admin/notifications/notification/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "c***@example.vn" in text and "congdan@example.vn" not in text
    detail = client.get(f"/admin/notifications/notification/{n.pk}/change/")
    assert detail.status_code == 200
    assert "c***@example.vn" in detail.content.decode()
    assert "congdan@example.vn" not in detail.content.decode()


def test_a_one_day_dossier_accepted_after_15_00_on_monday_is_promised_for_the_close_of_tuesday(
    world,
):
    from chinhquyen.catalogue.services import procedure_save
    from conftest import procedure_data

    procedure_save(data=procedure_data(processing_time=1))
    d = submit(world, at=at(2026, 12, 7, 15, 1))
    d = act(world, d, world.counter_a, "accept", at(2026, 12, 7, 15, 1))
    n = told(d)
    assert "Hẹn trả kết quả: 17:00 thứ Ba 08/12/2026." in n.body
    assert "09/12" not in n.body and "07:30" not in n.body
