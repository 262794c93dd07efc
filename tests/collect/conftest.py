"""Fixtures the AWS collector tests share: a bounded pool and an AwsContext factory on
the moto server (the emulator fixtures themselves are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from scanner.collect.aws.context import AwsContext
from scanner.collect.pool import Pool


@pytest.fixture
def pool() -> Iterator[Pool]:
    with Pool(8) as p:
        yield p


@pytest.fixture
def open_context(aws_endpoint: str, pool: Pool) -> Callable[..., AwsContext]:
    """``open_context(regions)`` opens the emulated account; None means every region."""

    def make(regions: tuple[str, ...] | None = None) -> AwsContext:
        return AwsContext.open(profile=None, regions=regions, endpoint_url=aws_endpoint, pool=pool)

    return make
