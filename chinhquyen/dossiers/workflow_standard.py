"""The standard one-stop workflow (Decree 61/2018 → 118/2025, Circular 01/2018 → 03/2025).

Pure data: installed by a data migration and by ``workflow_install``; an agency may copy and
edit it in the admin. State shares add up to 100 % of the procedure's time limit.
"""

STANDARD_WORKFLOW = {
    "code": "standard",
    "name": "Quy trình một cửa tiêu chuẩn",
    "states": [
        # code, name, national status, share of time limit (%), initial, final, pauses clock
        ("submitted", "Mới đăng ký", 1, 0, True, False, False),
        ("supplement_requested", "Chờ bổ sung hồ sơ", 5, 0, False, False, True),
        ("accepted", "Đã tiếp nhận", 2, 10, False, False, False),
        ("in_process", "Đang xử lý", 4, 60, False, False, False),
        ("pending_approval", "Chờ lãnh đạo phê duyệt", 4, 10, False, False, False),
        ("approved", "Đã phê duyệt, chờ ban hành kết quả", 4, 15, False, False, False),
        ("payment_required", "Chờ thực hiện nghĩa vụ tài chính", 6, 0, False, False, True),
        ("done", "Đã có kết quả, chờ trả", 9, 5, False, False, False),
        ("returned", "Đã trả kết quả", 10, 0, False, True, False),
        ("refused", "Không tiếp nhận", 3, 0, False, True, False),
        ("withdrawn", "Đã rút hồ sơ", 7, 0, False, True, False),
        ("stopped", "Dừng xử lý", 8, 0, False, True, False),
    ],
    "actions": [
        # code, name, from states, target, to state, roles, applicant may act
        ("accept", "Tiếp nhận", ["submitted"], "state", "accepted", ["counter"], False),
        ("refuse", "Từ chối tiếp nhận", ["submitted"], "state", "refused", ["counter"], False),
        (
            "request_supplement",
            "Yêu cầu bổ sung",
            ["submitted", "accepted", "in_process", "pending_approval"],
            "state",
            "supplement_requested",
            ["counter", "handler"],
            False,
        ),
        (
            "submit_supplement",
            "Nộp bổ sung",
            ["supplement_requested"],
            "resume",
            None,
            ["counter"],
            True,
        ),
        (
            "assign",
            "Phân công xử lý",
            ["accepted", "in_process"],
            "state",
            "in_process",
            ["leader", "counter"],
            False,
        ),
        (
            "forward",
            "Chuyển liên thông / lấy ý kiến",
            ["in_process"],
            "stay",
            None,
            ["handler", "leader"],
            False,
        ),
        (
            "complete_step",
            "Trả lời liên thông / ý kiến",
            ["in_process"],
            "stay",
            None,
            ["handler", "leader"],
            False,
        ),
        (
            "submit_for_approval",
            "Trình lãnh đạo",
            ["in_process"],
            "state",
            "pending_approval",
            ["handler"],
            False,
        ),
        (
            "return_for_revision",
            "Trả lại chuyên viên",
            ["pending_approval"],
            "state",
            "in_process",
            ["leader"],
            False,
        ),
        (
            "approve",
            "Phê duyệt",
            ["in_process", "pending_approval"],
            "state",
            "approved",
            ["leader"],
            False,
        ),
        # The agency's seal on the signed result, by whoever keeps the seal (the agency's
        # ``seal_roles``, checked in dossiers.services): the result is then issued.
        (
            "seal",
            "Đóng dấu, ban hành kết quả",
            ["approved"],
            "state",
            "done",
            ["clerk", "counter", "handler", "leader", "agency_admin"],
            False,
        ),
        (
            "request_payment",
            "Yêu cầu nộp phí, lệ phí",
            ["in_process", "pending_approval", "approved"],
            "state",
            "payment_required",
            ["handler", "counter", "leader"],
            False,
        ),
        (
            "confirm_payment",
            "Xác nhận đã nộp",
            ["payment_required"],
            "resume",
            None,
            ["counter"],
            False,
        ),
        (
            "finish",
            "Hoàn thành xử lý",
            ["approved"],
            "state",
            "done",
            ["handler", "counter"],
            False,
        ),
        ("return_result", "Trả kết quả", ["done"], "state", "returned", ["counter"], False),
        (
            "extend",
            "Gia hạn, xin lỗi",
            ["accepted", "in_process", "pending_approval", "approved"],
            "stay",
            None,
            ["leader"],
            False,
        ),
        (
            "withdraw",
            "Rút hồ sơ",
            [
                "submitted",
                "supplement_requested",
                "accepted",
                "in_process",
                "pending_approval",
                "approved",
                "payment_required",
            ],
            "state",
            "withdrawn",
            ["counter"],
            True,
        ),
        (
            "stop",
            "Dừng xử lý",
            ["accepted", "in_process", "pending_approval", "approved"],
            "state",
            "stopped",
            ["leader"],
            False,
        ),
    ],
}


def install(
    workflow_model, state_model, action_model, definition=STANDARD_WORKFLOW, *, is_default=True
):
    """Create or refresh a workflow from a definition. Works with real and historical models."""
    wf, _ = workflow_model.objects.update_or_create(
        code=definition["code"], defaults={"name": definition["name"], "is_default": is_default}
    )
    states = {}
    for position, (code, name, national, share, initial, final, pauses) in enumerate(
        definition["states"]
    ):
        states[code], _ = state_model.objects.update_or_create(
            workflow=wf,
            code=code,
            defaults={
                "name": name,
                "national_status": national,
                "time_share": share,
                "is_initial": initial,
                "is_final": final,
                "pauses_clock": pauses,
                "position": position,
            },
        )
    for position, (code, name, sources, target, to, roles, owner) in enumerate(
        definition["actions"]
    ):
        action, _ = action_model.objects.update_or_create(
            workflow=wf,
            code=code,
            defaults={
                "name": name,
                "target": target,
                "to_state": states[to] if to else None,
                "roles": roles,
                "owner_may_act": owner,
                "position": position,
            },
        )
        action.from_states.set([states[s] for s in sources])
    return wf
