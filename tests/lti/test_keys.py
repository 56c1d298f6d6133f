"""Key rotation: the new key signs, the retired one stays published for the grace period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.lti import keys
from app.store.database import Database
from app.store.lti import LtiKey


def test_rotation_keeps_the_old_key_published_for_a_while(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(url)
    db = Database(url)
    with db.write() as s:
        first = keys.signing_key(s).kid
        assert keys.signing_key(s).kid == first  # made once, then reused
        second = keys.rotate_key(s).kid
        assert keys.signing_key(s).kid == second != first
        published = [k["kid"] for k in keys.jwks(s)["keys"]]
        assert set(published) == {first, second}
        assert all("d" not in k for k in keys.jwks(s)["keys"])  # no private part
        old = s.get(LtiKey, first)
        assert old is not None
        old.created_at = datetime.now(UTC) - keys.RETIRED_KEPT - timedelta(hours=1)
        s.flush()
        assert [k["kid"] for k in keys.jwks(s)["keys"]] == [second]
    db.dispose()
