"""Concurrent edits and state changes, decided by the database.

Two people may send the same form at the same moment, from two app servers. Neither a
Python check (``if revision.state == "pending"``) nor a lock inside one process can tell
them apart; one conditional UPDATE can: the database runs the two one after the other
(the second waits for the first's row lock on PostgreSQL, for its write lock on SQLite)
and only the first finds the row as it expected.

* :func:`claim_version` – optimistic locking of an edited record: ``UPDATE … SET version =
  version + 1 WHERE id = … AND version = <loaded version>``; :class:`VersionConflict` when
  someone saved in between (the caller shows the differences, 409).
* :func:`claim_transition` – a state change: ``UPDATE … SET <new values> WHERE id = … AND
  <column> = <old value>``; False when another request made the change first (the caller
  says so; no second history record, no second mail).

The row stays locked until the caller's transaction commits or rolls back.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from directory.extensions import db


class VersionConflict(Exception):
    """Someone saved the record (offer, location, translation, organisation, account) since it was loaded."""

    def __init__(self, current_version: int):
        super().__init__(f"changed meanwhile (now version {current_version})")
        self.current_version = current_version


def claim_version(record: Any, expected: int) -> None:
    """Raise ``record.version`` from ``expected`` by one, or raise VersionConflict."""
    model = type(record)
    result = db.session.execute(
        update(model)
        .where(model.id == record.id, model.version == expected)
        .values(version=model.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        current = db.session.scalar(select(model.version).where(model.id == record.id))
        raise VersionConflict(current or 0)
    set_committed_value(record, "version", expected + 1)


def claim_transition(record: Any, expected: dict[str, Any], values: dict[str, Any],
                     bump_version: bool = False) -> bool:
    """Set ``values`` on the record's row if its columns still hold ``expected`` (and raise
    its ``version`` by one with ``bump_version``, so that open editors notice).

    True: this request made the change (``record`` shows the new values). False: the row no
    longer matched – another request changed it first; ``record`` is refreshed from the
    database so that the caller can tell what happened."""
    model = type(record)
    if record.id is None:  # not in the database yet: nobody else can have changed it
        for name, value in values.items():
            setattr(record, name, value)
        return True
    conditions = [getattr(model, name).is_(None) if value is None else getattr(model, name) == value
                  for name, value in expected.items()]
    sql_values = dict(values)
    if bump_version:
        sql_values["version"] = model.version + 1
    result = db.session.execute(
        update(model).where(model.id == record.id, *conditions).values(**sql_values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(record)
        return False
    for name, value in values.items():
        set_committed_value(record, name, value)
    if bump_version:
        db.session.expire(record, ["version"])
    return True
