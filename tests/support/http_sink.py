"""Re-exported from ``streams.sinks`` (the demo uses them too)."""

from streams.sinks import MailSink, Sink, http_sink, mail_sink

__all__ = ["MailSink", "Sink", "http_sink", "mail_sink"]
