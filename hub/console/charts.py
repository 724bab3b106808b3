"""Tiny inline SVG charts for the console (no JavaScript, no chart library)."""

from __future__ import annotations

from collections.abc import Sequence

WIDTH = 120
HEIGHT = 28


def polyline(values: Sequence[int], peak: int) -> str:
    """SVG ``points`` of ``values`` scaled to the chart, ``peak`` at the top edge."""
    if not values:
        return ""
    step = WIDTH / max(len(values) - 1, 1)
    top = max(peak, 1)
    return " ".join(f"{i * step:.1f},{HEIGHT - 2 - (v / top) * (HEIGHT - 4):.1f}" for i, v in enumerate(values))
