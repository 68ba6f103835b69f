"""The ``app`` fixture: a test's commits are savepoints inside one transaction that is rolled back."""
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import Offer, Organization
from directory.core import text
from directory.search import fulltext
from tests.factories import make_offer, make_org


def count_from_another_connection(name: str) -> int:
    with db.engine.connect() as other:
        return other.scalar(select(func.count()).select_from(Organization).where(Organization.name == name))


def test_commits_stay_inside_the_test_transaction(app):
    make_org(name="Nur in diesem Test")
    db.session.commit()
    assert db.session.scalar(select(Organization.id).where(Organization.name == "Nur in diesem Test"))
    assert count_from_another_connection("Nur in diesem Test") == 0


def test_rollback_returns_to_the_last_commit(app):
    make_org(name="Bleibt")
    db.session.commit()
    make_org(name="Verworfen")
    db.session.flush()
    db.session.rollback()
    names = set(db.session.scalars(select(Organization.name).where(Organization.name.in_(["Bleibt", "Verworfen"]))))
    assert names == {"Bleibt"}


def test_requests_of_the_test_client_see_uncommitted_work_of_the_test(app, client):
    offer = make_offer(title="Schachtreff im Savepoint")
    db.session.commit()
    assert "Schachtreff im Savepoint" in client.get(f"/angebote/{offer.id}").get_data(as_text=True)


def _terms(word: str) -> list[tuple[str, bool]]:
    """The index terms of a word, each required exactly (as the search hands them to the index)."""
    return [(term, False) for term in text.document_terms(word).split()][:1]


def test_full_text_index_follows_inside_the_transaction(app):
    offer = make_offer(title="Kalligraphiekurs für Anfänger")
    db.session.commit()
    match = fulltext.match_clause(db.engine.dialect.name, Offer.id, _terms("Kalligraphiekurs"))
    assert db.session.scalars(select(Offer.id).where(match)).all() == [offer.id]
    offer.title = "Töpferkurs für Anfänger"
    db.session.commit()
    renamed = fulltext.match_clause(db.engine.dialect.name, Offer.id, _terms("Töpferkurs"))
    assert db.session.scalars(select(Offer.id).where(renamed)).all() == [offer.id]


def test_nothing_of_an_earlier_test_is_left(app):
    names = ["Nur in diesem Test", "Bleibt", "Verworfen"]
    assert db.session.scalar(select(func.count()).select_from(Organization).where(Organization.name.in_(names))) == 0
