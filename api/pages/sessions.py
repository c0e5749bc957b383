"""Web page sessions: a signed cookie naming the member and the API key it signed in with, and
per-session CSRF tokens.

The cookie is ``<payload>.<mac>``, both base64url: the payload is JSON holding a random
session id, the member id and API key id (absent before sign-in) and the expiry; the MAC is
HMAC-SHA256 under a key derived from the service's master key, so any replica of the service
reads it and nothing is stored server-side. Every request re-checks that the API key is not
revoked and that the member is still active on chain: revoking the key ends its sessions
everywhere. Signing out deletes the cookie and remembers the session id in this process until
it would have expired anyway. Rotating the master key signs everyone out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass

SESSION_COOKIE = "autoledger_session"
LANGUAGE_COOKIE = "autoledger_lang"
CSRF_FIELD = "csrf_token"
"""The hidden form field every POST form carries."""

SESSION_LIFETIME = 8 * 3600
"""Seconds a sign-in lasts: a working day, so a cookie left on a shared computer is dead by the
next morning."""

VISITOR_LIFETIME = 24 * 3600
"""Seconds a session that has not signed in lasts (it only carries the sign-in form's CSRF
token and must outlive a sign-in page left open)."""

MAX_COOKIE = 1024
"""Longest session cookie read: ours are about 150 characters; longer ones are not ours."""

_KEY_CONTEXT = b"autoledger/pages/session/v1"
_MAC_CONTEXT = b"session\x00"
_CSRF_CONTEXT = b"csrf\x00"


@dataclass(frozen=True, kw_only=True)
class PageSession:
    """One browser's session: `member_id` and `key_id` are None until it signs in."""

    sid: str
    member_id: int | None
    key_id: str | None
    expires: int

    @property
    def signed_in(self) -> bool:
        """Whether a member signed in with this session."""
        return self.member_id is not None and self.key_id is not None


class SessionSigner:
    """Makes, signs and reads session cookies; `master_key` is the service's master key."""

    def __init__(self, master_key: bytes) -> None:
        self._key = hmac.new(master_key, _KEY_CONTEXT, hashlib.sha256).digest()
        self._ended: dict[str, int] = {}
        self._lock = threading.Lock()

    def new(self, *, member_id: int | None = None, key_id: str | None = None) -> PageSession:
        """A new session with a fresh random id (a new one on every sign-in and sign-out, so a
        session id planted before sign-in is worthless after it)."""
        lifetime = SESSION_LIFETIME if member_id is not None else VISITOR_LIFETIME
        return PageSession(
            sid=secrets.token_urlsafe(16),
            member_id=member_id,
            key_id=key_id,
            expires=int(time.time()) + lifetime,
        )

    def encode(self, session: PageSession) -> str:
        """The cookie value of `session`."""
        payload = json.dumps(
            {"s": session.sid, "m": session.member_id, "k": session.key_id, "e": session.expires},
            separators=(",", ":"),
        ).encode()
        return _b64(payload) + "." + _b64(self._mac(_MAC_CONTEXT, payload))

    def decode(self, value: str | None) -> PageSession | None:
        """The session in cookie `value`; None when absent, forged, expired or signed out."""
        if not value or len(value) > MAX_COOKIE or value.count(".") != 1:
            return None
        payload_text, mac_text = value.split(".")
        try:
            payload, mac = _unb64(payload_text), _unb64(mac_text)
        except (binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(mac, self._mac(_MAC_CONTEXT, payload)):
            return None
        try:
            fields = json.loads(payload)
            session = PageSession(
                sid=str(fields["s"]),
                member_id=None if fields["m"] is None else int(fields["m"]),
                key_id=None if fields["k"] is None else str(fields["k"]),
                expires=int(fields["e"]),
            )
        except (ValueError, KeyError, TypeError):
            return None
        if session.expires <= time.time():
            return None
        with self._lock:
            if session.sid in self._ended:
                return None
        return session

    def end(self, session: PageSession) -> None:
        """Refuse `session` from now on in this process (sign-out)."""
        now = int(time.time())
        with self._lock:
            self._ended = {sid: exp for sid, exp in self._ended.items() if exp > now}
            self._ended[session.sid] = session.expires

    def csrf_token(self, session: PageSession) -> str:
        """The token `session`'s forms carry in `CSRF_FIELD`."""
        return _b64(self._mac(_CSRF_CONTEXT, session.sid.encode()))

    def csrf_ok(self, session: PageSession, token: str | None) -> bool:
        """Whether `token` is `session`'s CSRF token (constant-time)."""
        return token is not None and hmac.compare_digest(
            token.encode(), self.csrf_token(session).encode()
        )

    def _mac(self, context: bytes, message: bytes) -> bytes:
        return hmac.new(self._key, context + message, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
