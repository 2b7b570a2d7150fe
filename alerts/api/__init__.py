"""Framework-independent HTTP handlers for alerts, subscriptions and silences.

Mount ``handle(method, path, query, headers, body, state)`` on any server; it returns
``(status, JSON-able dict)``. ``ROUTES`` lists (method, path regex, handler, needs-token)
for servers that prefer one route per endpoint.
"""

from alerts.api.http import AlertingState, ApiError, ApiRequest, ApiResponse
from alerts.api.routes import ROUTES, handle

__all__ = ["ROUTES", "AlertingState", "ApiError", "ApiRequest", "ApiResponse", "handle"]
