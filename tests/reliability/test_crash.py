"""kill -9 of the server in the middle of a load, restart: nothing acknowledged is lost.

An attempt is acknowledged when its 2xx reply reached the learner; by then
``Database.write()`` has committed it, so a crash right after must not lose it (SQLite in
WAL mode and PostgreSQL both make a committed transaction durable across a process
crash). Requests in flight at the moment of the kill may or may not have been stored, but
never more of them than there were learners waiting on a reply.
"""

from __future__ import annotations

import pytest

from tests.reliability.live import LiveServer
from tests.reliability.load import Load

LEARNERS = 6
BEFORE_KILL = 40
AFTER_RESTART = 30


@pytest.mark.timeout(300)
def test_kill_9_mid_load_loses_nothing_acknowledged(server: LiveServer) -> None:
    load = Load([server.url], learners=LEARNERS).start()
    try:
        load.wait_for(BEFORE_KILL)
        server.kill9()
        acknowledged_before = load.total_acknowledged
        server.start()
        load.wait_for(acknowledged_before + AFTER_RESTART)
        load.finish()

        assert load.server_errors == []
        assert load.transport_errors > 0, "the learners never noticed the crash"
        stored = load.stored(server.url)
        extra = 0
        for acknowledged, listed in zip(load.acknowledged, stored, strict=True):
            missing = acknowledged - listed
            assert not missing, f"acknowledged attempts lost in the crash: {sorted(missing)}"
            extra += len(listed - acknowledged)
        # Only a request cut off by the kill can be stored without its reply arriving.
        assert extra <= LEARNERS
        assert sum(len(ids) for ids in load.acknowledged) >= BEFORE_KILL + AFTER_RESTART
    finally:
        load.close()
