"""Alert lifecycle, routing and delivery policy (plain Python, no faust or Kafka).

Records from ``sales.anomalies`` go into the ``AlertBook``; the ``Dispatcher`` routes each
alert to the subscriptions that want it, groups, mutes (``Silences``, ``Inhibitor``) and
times the messages; channels render and deliver them, with ``alerts.retry`` for backoff.
``alerts.api`` serves alerts, subscriptions and silences over HTTP; ``alerts.cli`` is the
command line for the last two.
"""

from alerts.config import (
    InhibitRule,
    Matcher,
    RoutingConfig,
    Silence,
    Subscription,
    load_routing,
)
from alerts.dispatch import Dispatcher, DispatchStats
from alerts.inhibit import Inhibitor, default_inhibit_rules
from alerts.lifecycle import AlertBook
from alerts.model import Alert, AlertSnapshot
from alerts.notification import Notification, NotifyReason
from alerts.silences import Silences
from alerts.stores import StoreChange, SubscriptionStore

__all__ = [
    "Alert",
    "AlertBook",
    "AlertSnapshot",
    "DispatchStats",
    "Dispatcher",
    "InhibitRule",
    "Inhibitor",
    "Matcher",
    "Notification",
    "NotifyReason",
    "RoutingConfig",
    "Silence",
    "Silences",
    "StoreChange",
    "Subscription",
    "SubscriptionStore",
    "default_inhibit_rules",
    "load_routing",
]
