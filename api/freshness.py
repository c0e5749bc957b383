"""The `X-AutoLedger-Block` header: which block of the chain a response reflects."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.runtime import Runtime

BLOCK_HEADER = "X-AutoLedger-Block"
"""Response header: the last block whose events the read models (and the event mirror) hold
when the response was made. Reads bring the index up to the chain's latest block first
(`Runtime.fresh_block`), so after a write the next response's block is at least the write's."""


class BlockHeader:
    """Pure ASGI middleware (no per-request task or body copy): adds `BLOCK_HEADER` to every
    HTTP response, from `Runtime.indexed_block` (memory, refreshed from the database at most
    every `Runtime.BLOCK_MEMORY` seconds)."""

    def __init__(self, app: ASGIApp, *, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_block(message: Message) -> None:
            if message["type"] == "http.response.start":
                block = self.runtime.known_block()
                if block is not None:
                    headers: list[Any] = list(message.get("headers", []))
                    headers.append((BLOCK_HEADER.lower().encode(), str(block).encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_block)


def install_block_header(app: FastAPI, runtime: Runtime) -> None:
    """Make every response of `app` say the block it reflects."""
    app.add_middleware(BlockHeader, runtime=runtime)
