"""secp256k1 signatures in their one accepted spelling: r || s || v, v 27 or 28, low s.

Both the API's signed requests and the claim confirmations relayed to the Clearing contract
pass through `canonical_signature`, so they accept the same signatures: OpenZeppelin's ECDSA
(in the contract) refuses v 0/1 and high s, and some hardware wallets return v 0/1, so 0/1 is
rewritten as 27/28 (the same signature, another spelling of v), while a high s (a *different*
valid signature of the same message, EIP-2 malleability) is refused.
"""

from __future__ import annotations

from ledger.errors import SignatureMalformed

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
"""The order of the secp256k1 group; a canonical s is at most half of it (EIP-2)."""

SIGNATURE_LENGTH = 65
"""Bytes of r || s || v."""


def canonical_signature(signature: bytes) -> bytes:
    """`signature` (r || s || v) with v 0/1 written as 27/28.

    Raises `SignatureMalformed` for a length other than 65, v outside {0, 1, 27, 28}, r or s
    of zero or not below the group order, or s above half the order (high s).
    """
    if len(signature) != SIGNATURE_LENGTH:
        raise SignatureMalformed(
            f"a signature is {SIGNATURE_LENGTH} bytes (r, s, v), got {len(signature)}"
        )
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64]
    if v in (0, 1):
        v += 27
    if v not in (27, 28):
        raise SignatureMalformed(f"signature v is {signature[64]}; it must be 27 or 28 (or 0/1)")
    if not 0 < r < SECP256K1_N or not 0 < s < SECP256K1_N:
        raise SignatureMalformed("signature r or s is out of range")
    if s > SECP256K1_N // 2:
        raise SignatureMalformed(
            "signature s is in the upper half of the curve order (high s, malleable): sign "
            "with a library that produces low s (EIP-2), or use n - s with v flipped"
        )
    return signature[:64] + bytes([v])
