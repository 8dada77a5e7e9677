"""How busy the rest of the machine is: the figures of a 2-CPU machine shared with other work need it."""

from __future__ import annotations

import os
import time


def _machine_busy_seconds() -> float | None:
    """CPU seconds all processes have used since boot (Linux /proc/stat), None elsewhere."""
    try:
        with open("/proc/stat") as fh:
            ticks = [int(x) for x in fh.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


class CpuWatch:
    """How many CPUs other processes (database server included) kept busy during a block, on average."""

    other_cpus: float | None = None

    def __enter__(self) -> CpuWatch:
        self._wall = time.perf_counter()
        self._busy = _machine_busy_seconds()
        own = os.times()
        self._own = own.user + own.system
        return self

    def __exit__(self, *exc: object) -> None:
        busy = _machine_busy_seconds()
        if busy is None or self._busy is None:
            return
        own = os.times()
        wall = time.perf_counter() - self._wall
        other = (busy - self._busy) - (own.user + own.system - self._own)
        self.other_cpus = round(max(other, 0.0) / wall, 2)
