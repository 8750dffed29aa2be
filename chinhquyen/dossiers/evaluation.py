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
