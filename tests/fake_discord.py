"""A tiny fake Discord on 127.0.0.1 for process tests: enough for ``verbinder run`` to log in and connect.

HTTP: ``GET /api/v10/users/@me`` (401 unless the token is :data:`TOKEN`), the application,
``GET /api/v10/gateway/bot``; anything else answers 404. Gateway at ``/gateway/``: HELLO, then
READY (no servers) after IDENTIFY, HEARTBEAT_ACK for every heartbeat. Point the bot at it with
``DISCORD_API_BASE=<fake.api_base>``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TOKEN = "fake-token-for-tests"
BOT_ID = "900000000000000001"
APP_ID = "900000000000000002"

BOT_USER = {
    "id": BOT_ID,
    "username": "Verbinder",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
    "flags": 0,
}


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body only when the content type is exactly "application/json".
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


@dataclass
class FakeDiscord:
    """Start with ``await fake.start()``, stop with ``await fake.stop()``; records what it saw."""

    identified: asyncio.Event = field(default_factory=asyncio.Event)
    identifies: int = 0
    logins: int = 0
    closed_sessions: int = 0
    unknown: list[str] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_get("/api/v10/gateway/bot", self._gateway_bot)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @staticmethod
    def _authorised(request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {TOKEN}"

    async def _me(self, request: web.Request) -> web.Response:
        self.logins += 1
        if not self._authorised(request):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        return _json(BOT_USER)

    async def _application(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        return _json(
            {
                "id": APP_ID,
                "name": "Verbinder",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": {**BOT_USER, "id": "900000000000000003", "username": "owner", "bot": False},
                "verify_key": "0" * 64,
                "flags": 0,
                "interactions_endpoint_url": None,
            }
        )

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return _json(
            {
                "url": f"ws://127.0.0.1:{self.port}/gateway/",
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
            }
        )

    async def _unknown(self, request: web.Request) -> web.Response:
        self.unknown.append(f"{request.method} {request.path}")
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        sequence = 0

        async def send(payload: dict[str, Any]) -> None:
            await ws.send_str(json.dumps(payload))

        await send({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            if data["op"] == 1:
                await send({"op": 11, "d": None, "s": None, "t": None})
            elif data["op"] == 2:
                self.identifies += 1
                sequence += 1
                shard = data["d"].get("shard") or [0, 1]
                ready = {
                    "v": 10,
                    "user": BOT_USER,
                    "guilds": [],
                    "session_id": f"session-{self.identifies}",
                    "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway/",
                    "application": {"id": APP_ID, "flags": 0},
                    "shard": shard,
                }
                await send({"op": 0, "t": "READY", "s": sequence, "d": ready})
                self.identified.set()
        self.closed_sessions += 1
        return ws
