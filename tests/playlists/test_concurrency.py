"""Several editors on one playlist at once, each on its own connection to real PostgreSQL."""

from __future__ import annotations

import random
import threading
from collections import Counter

from sqlalchemy import Connection, Engine, text

from searxng_cool.errors import InvalidInput
from searxng_cool.playlists import editing, manage
from tests import factories
from tests.playlists.conftest import assert_invariants

EDITORS = 6
EDITS_EACH = 15


def _one_edit(
    connection: Connection, rng: random.Random, playlist_id: int, owner: int, tracks: list[int]
) -> tuple[str, int]:
    count = connection.execute(
        text("SELECT count(*) FROM playlist_tracks WHERE playlist_id = :p"), {"p": playlist_id}
    ).scalar_one()
    kind = rng.choice(["add", "add", "move", "remove", "reorder"])
    if kind == "add" or count < 2:
        picked = rng.sample(tracks, rng.randint(1, 3))
        position = rng.randint(0, count)
        editing.add_tracks(
            connection, playlist_id=playlist_id, actor_id=owner, track_ids=picked, position=position
        )
        return "add", len(picked)
    if kind == "move":
        editing.move_track(
            connection,
            playlist_id=playlist_id,
            actor_id=owner,
            from_position=rng.randrange(count),
            to_position=rng.randrange(count),
        )
        return "move", 0
    if kind == "remove":
        editing.remove_tracks(
            connection, playlist_id=playlist_id, actor_id=owner, positions=[rng.randrange(count)]
        )
        return "remove", 1
    order = list(range(count))
    rng.shuffle(order)
    editing.reorder_tracks(connection, playlist_id=playlist_id, actor_id=owner, new_order=order)
    return "reorder", 0


def test_concurrent_editors_never_corrupt_the_order(engine: Engine) -> None:
    with engine.begin() as conn:
        owner = factories.user(conn)
        tracks = [factories.track(conn, duration_ms=1000 + i) for i in range(20)]
    with engine.begin() as connection:
        playlist_id = manage.create_playlist(connection, owner_id=owner, name="Shared")
        editing.add_tracks(
            connection, playlist_id=playlist_id, actor_id=owner, track_ids=tracks[:5]
        )

    done: Counter[str] = Counter()
    refused: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(EDITORS)

    def editor(seed: int) -> None:
        rng = random.Random(seed)
        try:
            start.wait()
            for _ in range(EDITS_EACH):
                try:
                    with engine.begin() as connection:
                        kind, rows = _one_edit(connection, rng, playlist_id, owner, tracks)
                except InvalidInput as exc:
                    # Our count was read before the lock; another editor changed the list.
                    with lock:
                        refused.append(str(exc))
                    continue
                with lock:
                    done[kind] += 1
                    done[f"{kind}_rows"] += rows
        except BaseException as exc:  # surfaced by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=editor, args=(seed,)) for seed in range(EDITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    assert all(f"playlist {playlist_id} has" in message for message in refused), refused
    with engine.connect() as conn:
        assert_invariants(conn, playlist_id)
        count, version, logged = conn.execute(
            text(
                """
                SELECT (SELECT count(*) FROM playlist_tracks WHERE playlist_id = p.id),
                       p.version,
                       (SELECT count(*) FROM playlist_activity WHERE playlist_id = p.id)
                  FROM playlists p WHERE p.id = :p
                """
            ),
            {"p": playlist_id},
        ).one()
    edits = sum(done[kind] for kind in ("add", "move", "remove", "reorder"))
    assert edits + len(refused) == EDITORS * EDITS_EACH
    assert count == 5 + done["add_rows"] - done["remove_rows"]
    # create (version 1) + the first add + every successful edit; a no-op move keeps it.
    noop_moves = 2 + edits - version
    assert 0 <= noop_moves <= done["move"]
    assert logged == version
