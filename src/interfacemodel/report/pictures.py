"""Figures as PNG bytes: a matplotlib :class:`~matplotlib.figure.Figure` on the Agg canvas (no
pyplot state, so a long campaign never accumulates open figures), saved to bytes; files are
written with the package's one atomic writer (:func:`~interfacemodel.records.write_bytes_atomic`).
"""

from __future__ import annotations

import io
from pathlib import Path

from ..records import write_bytes_atomic


def new_figure(width: float, height: float, dpi: int = 100):
    """An empty figure of ``width`` × ``height`` inches."""
    from matplotlib.figure import Figure  # matplotlib loads only where a figure is made

    return Figure(figsize=(width, height), dpi=dpi)


def png_bytes(fig) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def save_png(fig, path: str | Path) -> Path:
    """Write the figure to ``path`` as PNG, atomically; returns the path."""
    return write_bytes_atomic(png_bytes(fig), path)
