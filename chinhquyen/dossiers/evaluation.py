"""The citizen-scored indicators of Circular 01/2018 Art. 13 that are asked per dossier (1, 2, 3,
4, 6, 7). Each choice gives 2, 1 or 0 points. Data, not logic: a new circular changes this table."""

from __future__ import annotations

INDICATORS: list[dict] = [
    {
        "no": "1",
        "name": "Tổng thời gian giải quyết so với thời gian theo quy định",
        "choices": [
            (2, "Trước hoặc đúng hạn"),
            (1, "Trễ hạn, có thư xin lỗi và hẹn lại"),
            (0, "Trễ hạn, không xin lỗi"),
        ],
    },
    {
        "no": "2",
        "name": "Thời gian thực hiện tại từng cơ quan, đơn vị tham gia giải quyết",
        "choices": [
            (2, "Đúng hoặc trước hạn ở mọi nơi"),
            (1, "Trễ hạn ở một nơi"),
            (0, "Trễ hạn ở nhiều nơi"),
        ],
    },
    {
        "no": "3",
        "name": "Số lần phải liên hệ với nơi tiếp nhận để hoàn thiện hồ sơ",
        "choices": [
            (2, "Không phải bổ sung hoặc bổ sung một lần"),
            (1, "Hai lần"),
            (0, "Ba lần trở lên"),
        ],
    },
    {
        "no": "4",
        "name": "Số cơ quan, đơn vị phải liên hệ để hoàn thiện hồ sơ",
        "choices": [
            (2, "Chỉ nơi tiếp nhận"),
            (1, "Thêm một nơi khác"),
            (0, "Từ hai nơi khác trở lên"),
        ],
    },
    {
        "no": "6",
        "name": "Công khai thủ tục hành chính",
        "choices": [
            (2, "Đầy đủ, chính xác"),
            (1, "Chưa đầy đủ"),
            (0, "Không công khai hoặc không chính xác"),
        ],
    },
    {
        "no": "7",
        "name": "Thái độ của cán bộ, công chức khi hướng dẫn, tiếp nhận, giải quyết",
        "choices": [
            (2, "Lịch sự, tận tình"),
            (1, "Chưa nhiệt tình"),
            (0, "Gây phiền hà, nhũng nhiễu"),
        ],
    },
]
EVALUABLE_STATES = frozenset({"returned", "refused", "stopped"})


# --- compiling the scores (Circular 01/2018 Art. 14) -----------------------------------------

# The indicators a staff member answers for — total time (1), contacts to complete the dossier
# (3), attitude (7) — at most 6 points a dossier. Our reading of Art. 14, to be confirmed: data.
STAFF_INDICATORS = ("1", "3", "7")
# Staff classification by the average score: ≥ 5 full duty, 3.5–5 partial, < 3.5 below.
STAFF_CLASSES = (
    (5.0, "full", "Hoàn thành tốt nhiệm vụ"),
    (3.5, "partial", "Hoàn thành nhiệm vụ"),
    (0.0, "below", "Chưa hoàn thành nhiệm vụ"),
)
# Officers whose work a dossier's evaluation scores: who received it and who handled it.
STAFF_ROLES = ("counter", "handler")


def staff_class(score: float | None) -> tuple[str, str] | None:
    if score is None:
        return None
    for floor, code, label in STAFF_CLASSES:
        if score >= floor:
            return code, label
    return None  # pragma: no cover - the last floor is 0


def evaluation_scores(*, agency_ids, start, end) -> dict:
    """The evaluations given in [start, end) (local days) of the agencies' dossiers: per agency,
    the count and the average per-dossier score (indicators 1, 2, 3, 4, 6, 7; at most 12), and
    per staff member the average of the staff indicators with the classification. Three queries
    whatever the number of evaluations."""
    import datetime as dt
    from collections import defaultdict
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model

    from .models import DossierEvaluation, DossierEvent

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    since = dt.datetime.combine(start, dt.time(), tzinfo=tz)
    until = dt.datetime.combine(end, dt.time(), tzinfo=tz)
    rows = list(
        DossierEvaluation.objects.filter(
            dossier__agency_id__in=list(agency_ids), submitted_at__gte=since, submitted_at__lt=until
        ).values_list("dossier_id", "dossier__agency_id", "scores", "total")
    )
    per_agency: dict[int, list[int]] = defaultdict(list)
    for _dossier, agency_id, _scores, total in rows:
        per_agency[agency_id].append(total)
    staff_of: dict[int, set[int]] = defaultdict(set)
    for dossier_id, actor_id in DossierEvent.objects.filter(
        dossier_id__in=[r[0] for r in rows], actor_role__in=STAFF_ROLES, actor__isnull=False
    ).values_list("dossier_id", "actor_id"):
        staff_of[dossier_id].add(actor_id)
    per_staff: dict[int, list[int]] = defaultdict(list)
    for dossier_id, _agency, scores, _total in rows:
        points = sum(int(scores.get(no, 0)) for no in STAFF_INDICATORS)
        for actor_id in staff_of[dossier_id]:
            per_staff[actor_id].append(points)
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(pk__in=list(per_staff)).select_related("profile")
    }

    def average(values: list[int]) -> float | None:
        return round(sum(values) / len(values), 1) if values else None

    staff = []
    for actor_id, values in per_staff.items():
        user = users.get(actor_id)
        profile = getattr(user, "profile", None)
        score = average(values)
        staff.append(
            {
                "user": user,
                "name": (profile.full_name if profile else "") or getattr(user, "username", ""),
                "agency_id": profile.agency_id if profile else None,
                "dossiers": len(values),
                "score": score,
                "class": staff_class(score),
            }
        )
    staff.sort(key=lambda s: (-(s["score"] or 0), s["name"]))
    return {
        "agencies": {
            agency_id: {"evaluations": len(v), "dossier_score": average(v)}
            for agency_id, v in per_agency.items()
        },
        "staff": staff,
    }
