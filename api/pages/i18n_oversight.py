"""UI strings of the regulator pages (audit trail, verification, rule breaches, exports), merged into the catalogs of `api.pages.i18n`."""

from __future__ import annotations

EN: dict[str, str] = {}

ZH: dict[str, str] = {}
