"""How busy the machine is, printed before and after `make load`: figures from a shared machine say so.

The load average, and the share of CPU time the hypervisor gave to other guests (steal, from
/proc/stat) over one second. Usage: python scripts/load/machine.py [label]
"""

import os
import sys
import time
from pathlib import Path

STAT = Path("/proc/stat")


def _cpu_times() -> list[int] | None:
    """user nice system idle iowait irq softirq steal … of all CPUs, or None off Linux."""
    try:
        first = STAT.read_text(encoding="ascii").splitlines()[0].split()
    except OSError:
        return None
    return [int(value) for value in first[1:]]


def steal_percent(seconds: float = 1.0) -> float | None:
    before = _cpu_times()
    if before is None or len(before) < 8:
        return None
    time.sleep(seconds)
    after = _cpu_times()
    delta = [b - a for a, b in zip(before, after, strict=False)]
    # guest and guest_nice are already counted in user and nice.
    total = sum(delta[:8]) or 1
    return 100 * delta[7] / total


def main():
    label = sys.argv[1] if len(sys.argv) > 1 else "machine"
    one, five, fifteen = os.getloadavg()
    steal = steal_percent()
    steal_text = "unknown (no /proc/stat)" if steal is None else f"{steal:.1f} % over 1 s"
    print(
        f"{label}: {os.cpu_count()} cores, load average {one:.2f} / {five:.2f} / {fifteen:.2f}"
        f" (1 / 5 / 15 min), CPU steal {steal_text}"
    )


if __name__ == "__main__":
    main()
