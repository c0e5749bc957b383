"""UI strings of the dealer and lender pages, merged into the catalogs of `api.pages.i18n`."""

from __future__ import annotations

EN: dict[str, str] = {}

ZH: dict[str, str] = {}
