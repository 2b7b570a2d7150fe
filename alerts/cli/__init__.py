"""``silence`` and ``subscribe`` click groups; register them on the main CLI:

from alerts.cli import silence, subscribe
main.add_command(silence)
main.add_command(subscribe)
"""

from alerts.cli.client import ApiClient
from alerts.cli.silence import silence
from alerts.cli.subscribe import subscribe

__all__ = ["ApiClient", "silence", "subscribe"]
