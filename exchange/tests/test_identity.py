"""The signing identity of an organisation: loaded once, and a replaced key is the one used next."""

from __future__ import annotations

import pytest

from exchange.identity import identity_set, signer_of
from exchange.tests.conftest import ExchangeWorld

pytestmark = pytest.mark.django_db


def _public(signer: object) -> int:
    return signer.key.public_key().public_numbers().n  # type: ignore[attr-defined]


def test_a_replaced_key_is_used_for_the_next_message(xw: ExchangeWorld) -> None:
    identifier = xw.w.org.identifier
    assert identifier
    first = signer_of(identifier)
    assert _public(first) == xw.province_key.key.public_key().public_numbers().n
    assert signer_of(identifier) is first  # the loaded key is kept, not parsed again per message
    # the administrator imports another key (here the commune's test key) for the same organisation
    identity_set(organization=xw.w.org, key=xw.commune_key.key, chain=[xw.commune_key.cert])
    second = signer_of(identifier)
    assert _public(second) == xw.commune_key.key.public_key().public_numbers().n
    assert second.chain[0] == xw.commune_key.cert
