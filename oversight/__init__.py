"""Oversight: what regulators and auditors read and check (audit verify against the chain, the
signed export bundle, the audit trail and compliance views); sits on `notary` and `ledger`."""
