"""Configuration (directory/config.py): database URL and the checks before the app starts."""
import pytest

from directory import config


@pytest.mark.parametrize("raw,expected", [
    (None, "sqlite:////inst/wegweiser.sqlite"),
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
])
def test_database_url(raw, expected):
    assert config.database_url(raw, "/inst") == expected


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.check({"SECRET_KEY": None}, debug=False)
    cfg = {"SECRET_KEY": None, "TESTING": True}
    config.check(cfg, debug=False)
    assert cfg["SECRET_KEY"]
