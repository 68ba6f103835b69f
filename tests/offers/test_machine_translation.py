"""The machine-translation hook: off by default, pluggable, never required."""
import pytest

from directory.offers import machine_translation as mt
from tests.conftest import make_app


def test_off_by_default_and_suggests_nothing():
    assert isinstance(mt.load("off", {}), mt.NullTranslator)
    assert isinstance(mt.load("", {}), mt.NullTranslator)
    assert mt.NullTranslator().translate({"title": "Sprachcafé"}, "de", "ar") == {}


@pytest.mark.parametrize("setting", ["nonsense", "no.such.module:make", "tests.fake_translator:missing",
                                     "tests.fake_translator:not_a_translator"])
def test_a_bad_setting_is_a_clear_error(setting):
    with pytest.raises(ValueError, match="MACHINE_TRANSLATION"):
        mt.load(setting, {})


def test_a_configured_translator_fills_only_non_empty_fields():
    app = make_app("sqlite://", MACHINE_TRANSLATION="tests.fake_translator:make")
    with app.app_context():
        assert mt.enabled()
        assert mt.suggest({"title": "Sprachcafé", "summary": " ", "description": ""}, "de", "ar") == {
            "title": "[ar] Sprachcafé"}
        assert mt.suggest({"title": "Sprachcafé"}, "de", "de") == {}


def test_an_unavailable_service_gives_no_suggestion():
    app = make_app("sqlite://", MACHINE_TRANSLATION="tests.fake_translator:make", FAKE_TRANSLATOR_FAIL=True)
    with app.app_context():
        assert mt.suggest({"title": "Sprachcafé"}, "de", "uk") == {}


def test_the_default_app_has_machine_translation_off():
    app = make_app("sqlite://")
    with app.app_context():
        assert app.config["MACHINE_TRANSLATION"] == "off"
        assert not mt.enabled()
