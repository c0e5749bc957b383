"""The consortium's trust root, public: what every verifier pins (`autoledger verify --trust`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.auth import public
from api.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["trust"])

TRUST_FILE_NAME = "consortium.json"
"""The name the trust root is downloaded as (`autoledger trust export -o consortium.json`)."""


@router.get("/trust-root", dependencies=[Depends(public())])
def trust_root(request: Request) -> Response:
    """The trust file: chain id, Consortium and EvidenceRegistry addresses, notaries now."""
    runtime: Runtime = request.app.state.runtime
    return Response(
        runtime.trust_root().to_json(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{TRUST_FILE_NAME}"'},
    )
