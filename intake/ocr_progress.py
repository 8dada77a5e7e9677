"""An OCRmyPDF plugin that forwards its progress to the intake job being worked.

OCRmyPDF runs one OCR at a time per process (its plugins are global state, guarded by a lock inside
``ocrmypdf.ocr``), and its progress bar lives in the calling thread: a module-level listener, set by
``intake.ocr`` around each call under the same serialisation, is enough.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocrmypdf import hookimpl

Listener = Callable[[str, float, float | None], None]
listener: Listener | None = None


class _Progress:
    def __init__(
        self, *, total: float | None = None, desc: str | None = None, unit: str | None = None, **_: Any
    ) -> None:
        self.total = total
        self.desc = desc or ""
        self.done = 0.0

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: float = 1, *, completed: float | None = None) -> None:
        self.done = completed if completed is not None else self.done + n
        if listener is not None:
            listener(self.desc, self.done, self.total)


@hookimpl
def get_progressbar_class() -> type[_Progress]:
    return _Progress
