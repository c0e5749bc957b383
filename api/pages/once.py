"""Forms that act once. Each action form of the lender's pages carries a fresh random key in
the hidden field `FORM_KEY_FIELD`; the first POST with a key acts and is remembered with where
it sent the browser, and any later POST of the same member with that key (a double click, the
form sent again from the history) does not act again: it is sent where the first one went.
A POST that arrives while the first is still acting waits for it.

A submission that fails (the form re-shown with its errors, nothing stored) does not use its
key up: the corrected form, which carries the same key, acts. The keys live in the serving
process (the last `KEEP` of them), which is what a double click reaches; an action the chain
itself refuses to repeat (a second lien on a VIN) stays refused on any replica.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable

from fastapi.responses import Response

from api.pages.site import Visitor

FORM_KEY_FIELD = "form_key"
"""The hidden field that holds a form's key."""

KEEP = 4096
"""How many used keys are remembered (oldest forgotten first)."""

WAIT_SECONDS = 300.0
"""How long a repeated POST waits for the first one to finish (an import of 10,000 rows is
started, not awaited, so this is an advance's or a line's transaction at most)."""

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_form_key() -> str:
    """A fresh key for one form."""
    return secrets.token_urlsafe(18)


class SubmittedForms:
    """The keys of forms that acted, per member, and where each sent the browser."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._done: OrderedDict[tuple[int, str], str] = OrderedDict()
        self._acting: dict[tuple[int, str], threading.Event] = {}

    def once(
        self,
        member_id: int,
        key: str,
        act: Callable[[], Response],
        redirect: Callable[[str], Response],
    ) -> Response:
        """`act()` unless member `member_id`'s form `key` acted already, in which case the
        browser is sent (`redirect`) where that first answer sent it. Only a see-other answer
        uses the key up; an answer showing errors leaves it for the corrected form. A missing
        or malformed key acts every time (a form of another version of the pages)."""
        if not _KEY.fullmatch(key):
            return act()
        slot = (member_id, key)
        while True:
            with self._lock:
                if slot in self._done:
                    self._done.move_to_end(slot)
                    return redirect(self._done[slot])
                running = self._acting.get(slot)
                if running is None:
                    finished = self._acting[slot] = threading.Event()
                    break
            running.wait(WAIT_SECONDS)
            with self._lock:
                if slot not in self._done and self._acting.get(slot) is running:
                    return act()  # the first one is stuck; do not block this one for ever
        try:
            answer = act()
            location = answer.headers.get("location")
            if answer.status_code == 303 and location:
                with self._lock:
                    self._done[slot] = location
                    while len(self._done) > self._keep:
                        self._done.popitem(last=False)
            return answer
        finally:
            with self._lock:
                del self._acting[slot]
            finished.set()


def act_once(visitor: Visitor, act: Callable[[], Response]) -> Response:
    """`act()` unless the signed-in member's form (its `FORM_KEY_FIELD`) acted already."""
    forms: SubmittedForms = visitor.request.app.state.submitted_forms
    return forms.once(
        visitor.member.member_id, visitor.form.get(FORM_KEY_FIELD, ""), act, visitor.redirect
    )
