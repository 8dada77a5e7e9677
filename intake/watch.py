"""The watched folder: scans dropped into a folder (by a network scanner, say) become intake jobs.

Each regular file older than a few seconds (the scanner may still be writing it) is taken in for the
organisation and moved to ``done/``; a file refused (wrong type, damaged, too large) goes to ``failed/``
with a ``.txt`` beside it saying why. The job then runs in the workers like an upload; its page shows
the source "Thư mục quét". Run by ``manage.py intake_watch``.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ApplicationError
from intake import services
from intake.states import Source
from orgs.models import Organization

log = logging.getLogger(__name__)
SETTLE_SECONDS = 3.0


@dataclass
class Round:
    taken: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _target(folder: Path, name: str) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / name
    counter = 1
    while target.exists():
        target = folder / f"{Path(name).stem}-{counter}{Path(name).suffix}"
        counter += 1
    return target


def scan_once(folder: Path, organization: Organization, *, settle: float = SETTLE_SECONDS) -> Round:
    result = Round()
    now = time.time()
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        if now - path.stat().st_mtime < settle:
            continue  # still being written
        try:
            services.intake_job_create(
                actor=None,
                organization=organization,
                name=path.name,
                data=path.read_bytes(),
                source=Source.FOLDER,
            )
        except ApplicationError as exc:
            target = _target(folder / "failed", path.name)
            shutil.move(str(path), target)
            target.with_name(target.name + ".txt").write_text(
                f"{exc.code}: {exc.message}\n", encoding="utf-8"
            )
            result.refused.append(path.name)
            log.warning("watched folder: %s refused (%s)", path.name, exc.code)
        else:
            shutil.move(str(path), _target(folder / "done", path.name))
            result.taken.append(path.name)
    return result
