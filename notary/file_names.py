"""Uploaded file names: the safe form that is stored and shown, and the escaped original.

A file name comes from the submitter (a multipart header, a path on the submitter's disk) and
ends up on pages, in certificates and in terminals, so it is treated as hostile: path parts
(``../../etc/passwd``), control characters (NUL, CR/LF), bidirectional overrides (U+202E turns
``invoice‮fdp.exe`` into what reads as ``invoiceexe.pdf``) and text that is not valid UTF-8
are all seen in the wild. `safe_file_name` is what the service stores and prints;
`escaped_file_name` keeps what was sent, as ASCII with backslash escapes, for the record.
Neither goes into an evidence record: a file name may name a person.
"""

from __future__ import annotations

import unicodedata

MAX_FILE_NAME_BYTES = 255
"""Longest safe name in UTF-8 bytes: the NAME_MAX of common file systems, so a name shown on a
certificate can also be used to save the file."""

MAX_ESCAPED_CHARS = 1000
"""Longest escaped original kept: enough to show what was sent, bounded so a huge header
cannot fill the database (longer originals are cut, ending in ``...``)."""

_REPLACED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Unicode categories replaced by ``_``: controls, format characters (the bidi overrides and
isolates, zero-width characters, the BOM), lone surrogates (bytes that were not UTF-8),
private-use and unassigned code points, line and paragraph separators."""


def safe_file_name(name: str | bytes | None) -> str | None:
    """The form of `name` that is stored and shown, or None when nothing usable is left.

    Bytes are decoded as UTF-8, invalid sequences becoming U+FFFD. Only the last path part
    is kept (``/`` and ``\\`` both separate); the text is NFC-normalized; every control,
    format, surrogate, private-use, unassigned or line-separator character becomes ``_``;
    runs of white space become one space; leading and trailing spaces and dots go; the
    result is cut to `MAX_FILE_NAME_BYTES`, keeping a short extension. Never raises.
    """
    if name is None:
        return None
    text = name.decode("utf-8", "replace") if isinstance(name, bytes) else name
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    # U+FFFD for lone surrogates (bytes that were not UTF-8): they cannot be stored
    text = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    text = unicodedata.normalize("NFC", text)
    text = "".join("_" if unicodedata.category(c) in _REPLACED_CATEGORIES else c for c in text)
    text = " ".join(text.split()).strip(" .")
    if not text:
        return None
    return _cut(text)


def escaped_file_name(name: str | bytes | None) -> str | None:
    """`name` exactly as sent, as printable ASCII: backslash escapes for everything else
    (``\\x00``, ``\\u202e``, ``\\udcff`` for a byte that was not UTF-8), at most
    `MAX_ESCAPED_CHARS` characters. None for None."""
    if name is None:
        return None
    if isinstance(name, bytes):
        name = name.decode("utf-8", "surrogateescape")
    escaped = name.encode("unicode_escape", "backslashreplace").decode("ascii")
    if len(escaped) > MAX_ESCAPED_CHARS:
        escaped = escaped[: MAX_ESCAPED_CHARS - 3] + "..."
    return escaped


def _cut(text: str) -> str:
    """`text` cut to `MAX_FILE_NAME_BYTES` in UTF-8 at a character boundary, keeping an
    extension of up to 16 characters."""
    if len(text.encode()) <= MAX_FILE_NAME_BYTES:
        return text
    stem, dot, extension = text.rpartition(".")
    if not dot or not stem or len(extension) > 16:
        stem, extension = text, ""
    tail = f".{extension}" if extension else ""
    room = MAX_FILE_NAME_BYTES - len(tail.encode())
    head = stem.encode()[:room].decode("utf-8", "ignore").rstrip(" .")
    return head + tail
