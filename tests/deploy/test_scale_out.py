"""Scale-out, proven on this machine: two ``jtutor serve`` on one PostgreSQL behind nginx.

This is the deployment of ``compose.yaml`` without containers: replicas share nothing but
the database and the secret key, so a learner's cookie from one replica is good on the
other, attempts land whichever replica takes them, and none is lost.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.deploy.proxy import Proxy
from tests.reliability.live import Learner, LiveServer, fresh_postgres_url, postgres_base_url
from tests.reliability.load import EXERCISE, Load

pytestmark = pytest.mark.postgres

LEARNERS = 6
PER_LEARNER = 20


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Proxy, list[LiveServer]]]:
    """Shared by the tests here (each uses learners of its own, so they do not interfere)."""
    tmp_path = tmp_path_factory.mktemp("cluster")
    with fresh_postgres_url(postgres_base_url()) as url:
        replicas = [LiveServer(database_url=url, workdir=tmp_path / f"app{n}") for n in (1, 2)]
        proxy = Proxy([f"127.0.0.1:{r.port}" for r in replicas], tmp_path / "nginx")
        try:
            for replica in replicas:  # one after the other: the first one migrates
                replica.start()
            proxy.start()
            yield proxy, replicas
        finally:
            proxy.stop()
            for replica in replicas:
                replica.stop()


@pytest.mark.timeout(300)
def test_a_learner_cookie_works_on_both_replicas(
    cluster: tuple[Proxy, list[LiveServer]],
) -> None:
    proxy, (first, second) = cluster
    learner = Learner()
    try:
        through_first = learner.attempt(first.url, EXERCISE, "W", seed=1)
        assert through_first.status_code == 200
        assert "set-cookie" in through_first.headers  # the first visit issues the cookie
        through_second = learner.attempt(second.url, EXERCISE, "W^T", seed=2)
        assert through_second.status_code == 200
        assert "set-cookie" not in through_second.headers  # ... which the second accepts
        ids = {through_first.json()["attempt_id"], through_second.json()["attempt_id"]}
        assert learner.stored_ids(first.url) == ids
        assert learner.stored_ids(second.url) == ids
        assert learner.stored_ids(proxy.url) == ids
        stranger = Learner()
        assert stranger.stored_ids(proxy.url) == set()
        stranger.close()
    finally:
        learner.close()


@pytest.mark.timeout(300)
def test_load_through_the_proxy_lands_on_both_and_loses_nothing(
    cluster: tuple[Proxy, list[LiveServer]],
) -> None:
    proxy, replicas = cluster
    load = Load([proxy.url], learners=LEARNERS, per_learner=PER_LEARNER).start()
    try:
        load.join()
        assert load.server_errors == []
        assert dict(load.statuses) == {200: LEARNERS * PER_LEARNER}
        served = proxy.served_by(f"/api/v1/exercises/{EXERCISE}/attempts")
        assert set(served) == {f"127.0.0.1:{r.port}" for r in replicas}
        assert min(served.values()) >= LEARNERS * PER_LEARNER // 4  # both took a real share
        for replica in replicas:  # every replica sees every learner's complete history
            for acknowledged, listed in zip(
                load.acknowledged, load.stored(replica.url), strict=True
            ):
                assert len(acknowledged) == PER_LEARNER
                assert listed == acknowledged
    finally:
        load.close()


@pytest.mark.timeout(300)
def test_a_replica_killed_mid_load_loses_nothing_acknowledged(
    cluster: tuple[Proxy, list[LiveServer]],
) -> None:
    proxy, (doomed, survivor) = cluster
    load = Load([proxy.url], learners=LEARNERS).start()
    try:
        load.wait_for(30)
        doomed.kill9()
        after_kill = load.total_acknowledged
        load.wait_for(after_kill + 40)  # the survivor carries on alone
        load.finish()
        # Only requests in flight on the killed replica may fail (nginx: 502 Bad Gateway);
        # a POST is not replayed elsewhere once sent, so at most one per learner.
        assert all(error.startswith("502") for error in load.server_errors), load.server_errors
        assert len(load.server_errors) <= LEARNERS
        extra = 0
        for acknowledged, listed in zip(load.acknowledged, load.stored(survivor.url), strict=True):
            assert acknowledged <= listed, "an acknowledged attempt was lost"
            extra += len(listed - acknowledged)
        assert extra <= LEARNERS
        doomed.start()  # back to two replicas; the restarted one sees the same history
        assert load.stored(doomed.url) == load.stored(survivor.url)
    finally:
        load.close()
