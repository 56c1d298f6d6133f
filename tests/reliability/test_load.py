"""Concurrent learners against a real server: no 5xx, and every acknowledged attempt is stored.

DESIGN §11 promises that every 2xx answer to ``POST /api/v1/exercises/{id}/attempts`` is
stored for the calling learner; under concurrent load on both databases that must hold
exactly (no attempt lost, none invented, none shown to another learner).
"""

from __future__ import annotations

import pytest

from tests.reliability.live import LiveServer
from tests.reliability.load import Load

LEARNERS = 8
PER_LEARNER = 15


@pytest.mark.timeout(240)
def test_concurrent_attempts_are_all_stored(server: LiveServer) -> None:
    load = Load([server.url], learners=LEARNERS, per_learner=PER_LEARNER).start()
    try:
        load.join()
        assert load.server_errors == []
        assert load.transport_errors == 0
        assert dict(load.statuses) == {200: LEARNERS * PER_LEARNER}
        # The answers mix right, transposed and unreadable ones; all three kinds were graded.
        assert {"correct", "incorrect", "invalid"} <= set(load.verdicts)
        stored = load.stored(server.url)
        for acknowledged, listed in zip(load.acknowledged, stored, strict=True):
            assert len(acknowledged) == PER_LEARNER
            assert listed == acknowledged
        every = [i for ids in stored for i in ids]
        assert len(every) == len(set(every)), "an attempt is listed for two learners"
    finally:
        load.close()
