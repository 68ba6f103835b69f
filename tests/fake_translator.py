"""A stand-in machine translator for tests (MACHINE_TRANSLATION=tests.fake_translator:make)."""
from directory.offers.machine_translation import TranslationUnavailable


class Fake:
    name = "fake"

    def __init__(self, config):
        self.fail = config.get("FAKE_TRANSLATOR_FAIL", False)
        self.calls = []

    def translate(self, texts, source, target):
        self.calls.append((dict(texts), source, target))
        if self.fail:
            raise TranslationUnavailable("offline")
        return {field: f"[{target}] {text}" for field, text in texts.items()}


def make(config):
    return Fake(config)


def not_a_translator(config):
    return object()
