"""Exceptions raised by `notary`.

NotaryError
├── FormatError               a value is not in its required textual form
│   ├── DigestError           not a SHA-256 digest (64 hex characters)
│   └── AddressError          not a 0x-prefixed 20-byte address, or a bad EIP-55 checksum
├── CanonicalizationError     a value has no RFC 8785 (JCS) encoding: float, integer beyond
│                             2**53 - 1, lone surrogate, non-string key, unsupported type
├── MerkleError               a proof was asked for an index or tree size out of range
├── RecordError               not a valid evidence record; the message names the field
│   └── PersonalDataError     a metadata key looks like personal data
├── ReceiptError              not a valid receipt of a supported version; names the field
├── TrustRootError            not a valid trust root (consortium.json, or a registry address)
├── SigningError              the notary key could not sign (never carries the key)
└── CertificateFontMissing    a font the certificate PDF embeds is not installed (503)

Verification never raises for a readable receipt: `verify_receipt` reports failed checks.
"""

from __future__ import annotations


class NotaryError(Exception):
    """Base of every error raised by `notary`."""


class FormatError(NotaryError):
    """A value is not in the textual form its field requires."""


class DigestError(FormatError):
    """A string is not a SHA-256 digest in hex."""


class AddressError(FormatError):
    """A string is not an Ethereum address, or its EIP-55 mixed case is wrong."""


class CanonicalizationError(NotaryError):
    """A value cannot be encoded with RFC 8785 JSON canonicalization as `notary` allows it."""


class MerkleError(NotaryError):
    """A Merkle proof was requested for an index or tree size the tree does not have."""


class RecordError(NotaryError):
    """An evidence record is invalid; the message names the field and the value."""


class PersonalDataError(RecordError):
    """A metadata key names personal data, which must never appear in clear."""


class ReceiptError(NotaryError):
    """A receipt is malformed or of an unsupported version; the message names the field."""


class TrustRootError(NotaryError):
    """A trust root (the consortium's chain id and contract addresses) is malformed; the
    message names the member."""


class SigningError(NotaryError):
    """The notary could not sign a receipt with the key it was given."""


class CertificateFontMissing(NotaryError):
    """A font the certificate PDF embeds is not installed on this machine: the service is set
    up incompletely (503); nothing about the request is wrong."""
