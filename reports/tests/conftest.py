"""Fixtures of the register tests: the outgoing world (an organization set up to issue documents)."""

from outgoing.tests.conftest import ow  # noqa: F401  (fixture)
