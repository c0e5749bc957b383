"""The HTTP JSON-RPC provider: one or more node URLs, transient failures retried.

Consortium nodes drop connections when they restart and answer -32603 ("internal error")
while busy; neither means the request was wrong. Every request web3 makes (including contract
calls that bypass `Chain.rpc`) goes through `FailoverProvider.make_request`, so all of them get
the same treatment: a connection failure moves to the next configured URL, an internal error
is asked again, and only when every attempt failed does the error reach the caller.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from eth_typing import URI
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import Timeout
from web3 import HTTPProvider
from web3.types import RPCEndpoint, RPCResponse

log = logging.getLogger("autoledger.rpc")

INTERNAL_ERROR = -32603
"""JSON-RPC's "internal error": the node failed, not the request (retried)."""

ATTEMPTS = 4
"""Tries per request over all URLs: rides out a node restart of a second or so."""

BACKOFF = 0.25
"""Seconds before the second try; doubled for each further one."""

TRANSIENT = (RequestsConnectionError, Timeout, ConnectionError)
"""Connection refused or reset, and timeouts: the node may be back, or another one answers."""


def split_urls(spec: str) -> list[str]:
    """The node URLs of a comma-separated `spec` (``http://a:8545,http://b:8545``).

    Raises `ValueError` when it names none.
    """
    urls = [part.strip() for part in spec.split(",") if part.strip()]
    if not urls:
        raise ValueError(f"no JSON-RPC URL in {spec!r}")
    return urls


class FailoverProvider(HTTPProvider):
    """An `HTTPProvider` over `urls`, in order of preference.

    The first URL is used until it fails to connect; then the next one is, and so on round
    the list (`endpoint_uri` names the one in use). A response carrying error -32603 without
    revert data is retried on the same URL. `attempts` bounds the tries of one request.
    """

    def __init__(
        self,
        urls: Sequence[str],
        *,
        request_timeout: float = 30.0,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF,
    ) -> None:
        if not urls:
            raise ValueError("FailoverProvider needs at least one URL")
        if attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {attempts}")
        # web3's own retry covers only read methods and one URL; this class does it for all.
        super().__init__(
            urls[0],
            request_kwargs={"timeout": request_timeout},
            exception_retry_configuration=None,
        )
        self.urls = list(urls)
        self.attempts = attempts
        self.backoff = backoff
        self._current = 0
        self._lock = threading.Lock()

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        """Send one request, failing over and retrying as the class says."""
        for attempt in range(self.attempts):
            last = attempt == self.attempts - 1
            index, url = self._in_use()
            try:
                response = self._post(url, method, params)
            except TRANSIENT as exc:
                if last:
                    raise
                self._fail_over(index, exc)
                self._pause(attempt)
                continue
            if not last and _is_internal_error(response):
                log.info("%s answered %s to %s; asking again", url, response.get("error"), method)
                self._pause(attempt)
                continue
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _post(self, url: str, method: RPCEndpoint, params: Any) -> RPCResponse:
        request_data = self.encode_rpc_request(method, params)
        raw = self._request_session_manager.make_post_request(
            URI(url), request_data, **self.get_request_kwargs()
        )
        response: RPCResponse = self.decode_rpc_response(raw)
        return response

    def _in_use(self) -> tuple[int, str]:
        with self._lock:  # `endpoint_uri`, as in web3's own provider, is the URL in use
            return self._current, str(self.endpoint_uri)

    def _fail_over(self, index: int, exc: BaseException) -> None:
        with self._lock:
            if self._current != index or len(self.urls) == 1:
                return  # another thread moved on already, or there is nowhere to go
            self._current = (index + 1) % len(self.urls)
            self.endpoint_uri = self.urls[self._current]  # type: ignore[assignment]
        log.warning(
            "chain node %s does not answer (%s); using %s",
            self.urls[index],
            type(exc).__name__,
            self.urls[self._current],
        )

    def _pause(self, attempt: int) -> None:
        time.sleep(self.backoff * 2**attempt)


def _is_internal_error(response: RPCResponse) -> bool:
    error = response.get("error")
    if not isinstance(error, dict):
        return False
    # A revert may come as -32603 with the revert data attached (Hardhat, some Besu versions):
    # asking again would only repeat it.
    return error.get("code") == INTERNAL_ERROR and not error.get("data")
