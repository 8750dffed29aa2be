"""Notification channels: one module per channel, registered here (STYLE.md §7)."""

from __future__ import annotations

from .base import Channel, DeliveryError
from .email import EmailChannel

CHANNELS: dict[str, Channel] = {channel.code: channel for channel in (EmailChannel(),)}


def channel_get(code: str) -> Channel:
    return CHANNELS[code]


__all__ = ["CHANNELS", "Channel", "DeliveryError", "channel_get"]
