"""The simulated provider's phone app: the page a person sees at ``/app/<user>`` (served by
``remote_simulator.py``): the pending signing requests with "Xác nhận" and "Từ chối", and the
last decided ones. Plain HTML, 390 px wide without sideways scrolling, no axe violations."""

from __future__ import annotations

import html
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from .remote_simulator import Simulator, User

VN = ZoneInfo("Asia/Ho_Chi_Minh")
STATUS_VI = {
    "pending": "Đang chờ xác nhận",
    "confirmed": "Đã xác nhận",
    "refused": "Đã từ chối",
    "expired": "Đã hết hạn",
}

PAGE_CSS = """
body{font-family:system-ui,sans-serif;margin:0;background:#f3f5f8;color:#1b1f24}
header{background:#0b5394;color:#fff;padding:12px 16px}
h1{font-size:1.15rem;margin:0}main{padding:12px 16px;max-width:36rem;margin:auto}
h2{font-size:1rem;margin:20px 0 8px}
.tx{background:#fff;border:1px solid #c9d1db;border-radius:8px;padding:12px;margin:0 0 12px}
.tx p{margin:4px 0;overflow-wrap:anywhere}.actions{display:flex;gap:8px;margin-top:10px}
.actions form{flex:1}button{width:100%;font-size:1rem;padding:12px;border-radius:6px;
border:2px solid #0b5394;cursor:pointer}
.ok{background:#0b5394;color:#fff}.no{background:#fff;color:#8a1c1c;border-color:#8a1c1c}
.muted{color:#4a5562}
"""


def _vn_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).astimezone(VN).strftime("%H:%M:%S %d/%m/%Y")


def app_page(sim: Simulator, user: User) -> str:
    txs = sim.of_user(user.user_id)
    pending = [t for t in txs if t.status == "pending"]
    done = [t for t in txs if t.status != "pending"][:10]
    esc = html.escape
    base = f"/app/{esc(user.user_id)}"
    parts = []
    for tx in pending:
        left = max(int(tx.expires - time.time()), 0)
        parts.append(
            f'<section class="tx" aria-label="Yêu cầu ký {esc(tx.transaction_id)}">'
            f"<p><strong>{esc(tx.description)}</strong></p>"
            f"<p>{len(tx.documents)} tài liệu</p>"
            f'<p class="muted">Hết hạn lúc {_vn_time(tx.expires)} (còn {left // 60} phút '
            f"{left % 60} giây)</p>"
            f'<div class="actions">'
            f'<form method="post" action="{base}/{esc(tx.transaction_id)}/confirm">'
            f'<button class="ok" type="submit">Xác nhận</button></form>'
            f'<form method="post" action="{base}/{esc(tx.transaction_id)}/refuse">'
            f'<button class="no" type="submit">Từ chối</button></form>'
            f"</div></section>"
        )
    if not pending:
        parts.append('<p class="muted">Không có yêu cầu ký nào đang chờ.</p>')
    history = "".join(
        f"<li>{esc(t.description)} — {len(t.documents)} tài liệu — <strong>{STATUS_VI[t.status]}"
        f"</strong></li>"
        for t in done
    )
    # A new request shows up by itself: the page asks every 2 s which requests are pending and
    # reloads only when one it does not show has arrived, so that a reload never moves the
    # buttons under a finger (and no <meta refresh>, which WCAG 2.2.1 forbids).
    shown = json.dumps([t.transaction_id for t in pending])
    script = (
        "<script>(function(){var shown=" + shown + ";setInterval(function(){"
        f"fetch('{base}/pending',{{cache:'no-store'}}).then(function(r){{return r.json();}})"
        ".then(function(d){if(d.pending.some(function(id){return shown.indexOf(id)<0;}))"
        "{location.reload();}}).catch(function(){});},2000);})();</script>"
    )
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Ký số từ xa — {esc(user.common_name)}</title>"
        f"<style>{PAGE_CSS}</style></head><body>"
        f"<header><h1>Ký số từ xa (mô phỏng)</h1><p>{esc(user.common_name)}</p></header>"
        f"<main><h2>Yêu cầu ký đang chờ ({len(pending)})</h2>{''.join(parts)}"
        + (f"<h2>Đã xử lý</h2><ul>{history}</ul>" if history else "")
        + f'<p><a href="{base}">Tải lại</a></p></main>{script}</body></html>'
    )


def not_found_page() -> str:
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Không tìm thấy</title></head><body><main><h1>Không có tài khoản này</h1>"
        "</main></body></html>"
    )
