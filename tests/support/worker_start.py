"""Start ``salespulse worker`` once and collect how it ends: for start-up failure tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_worker(env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """The worker as an operator starts it, with ``env`` only; it is expected to exit."""
    return subprocess.run(
        [sys.executable, "-m", "salespulse", "worker"],
        env=env,
        cwd=REPO,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
