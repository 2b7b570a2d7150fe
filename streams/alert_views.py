"""The alerting HTTP API on the worker's web server: a thin adapter to ``alerts.api.handle``."""

from __future__ import annotations

from typing import Any

import faust

from alerts.api.routes import handle
from streams.alert_service import AlertService

PATHS = (
    "/alerts",
    "/api/subscriptions",
    "/api/subscriptions/{item_id}",
    "/api/silences",
    "/api/silences/{item_id}",
)


def register(app: faust.App, service: AlertService) -> None:
    """Mount every alerting path; each method is answered by the framework-free handler."""

    class AlertingView(faust.web.View):
        async def _answer(self, request: faust.web.Request, **_: Any) -> faust.web.Response:
            raw: Any = request  # aiohttp's request under faust's protocol type
            limit = service.api.max_body_bytes
            if (raw.content_length or 0) > limit:  # refuse before reading a byte of it
                return self.json(
                    {"error": "payload_too_large", "detail": f"body over {limit} bytes"},
                    status=413,
                )
            body = await raw.content.read(limit + 1)  # at most one byte over: still 413
            status, payload = handle(
                raw.method,
                raw.path,
                dict(request.query),
                dict(request.headers),
                body,
                service.api,
            )
            return self.json(payload, status=status)

        async def get(self, request: faust.web.Request, **kw: Any) -> faust.web.Response:
            return await self._answer(request, **kw)

        async def post(self, request: faust.web.Request, **kw: Any) -> faust.web.Response:
            return await self._answer(request, **kw)

        async def put(self, request: faust.web.Request, **kw: Any) -> faust.web.Response:
            return await self._answer(request, **kw)

        async def delete(self, request: faust.web.Request, **kw: Any) -> faust.web.Response:
            return await self._answer(request, **kw)

    for path in PATHS:
        app.page(path, name=f"alerting{path.replace('/', '_')}")(AlertingView)
