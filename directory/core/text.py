"""Text normalisation shared by the index and the query: one function turns words into terms.

A *term* is what the database's full-text index stores (``Offer.title_terms`` /
``Offer.text_terms``) and what a query is matched against, so SQLite FTS5 and PostgreSQL
behave alike:

* case folded, ß → ss, accents and umlauts folded (ä → a, é → e, й → и);
  Arabic-script letters unified (أ/إ/آ → ا, ى/ی → ي, ک → ك, ة → ه), vowel marks dropped;
* stemmed with Snowball (PyStemmer): German for Latin script, Russian for Cyrillic
  (Ukrainian too), Arabic for Arabic script (its stemmer also strips the article);
* German compounds split into their parts by a word list (wordfreq's most frequent German
  words): "Nähwerkstatt" is indexed as ``nahwerkstatt nah werkstatt``, so "Nähkurs" (split
  at query time into "Näh" + "Kurs") finds it;
* hyphenated words also as one word ("Job-Café" → ``job cafe jobcafe``).

Pure Python, no Flask: unit-tested on its own.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
import wordfreq

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
MAX_QUERY_WORDS = 12
MIN_HEAD, MIN_TAIL, MIN_COMPOUND = 3, 4, 7
LEXICON_SIZE = 30_000
LINKS = ("", "s", "es", "n", "en", "e")  # Fugenelemente between compound parts

# Words that carry no meaning for search; matched after folding (not stemmed).
STOPWORDS = frozenset("""
aber alle allem allen aller alles als also am an ander andere auch auf aus bei beim bin bis
bist da damit dann das dass dem den der des dessen die dies diese diesem diesen dieser dieses
doch dort du durch ein eine einem einen einer eines er es euch euer fur gibt hat hatte ich ihr
ihre im in ins ist statt für über ja je jede jedem jeden jeder kann kein keine mit nach nicht noch nur ob oder
ohne sein seine sich sie sind so uber um und uns unser vom von vor war was weil wenn wer wie
wir wird wo zu zum zur
a an and are as at be by for from in into is it of on or the to with
и в во на с со по для или не
و في من على عن مع او
""".split())

_ARABIC_MAP = str.maketrans({"ى": "ي", "ی": "ي", "ک": "ك", "ة": "ه", "ۀ": "ه", "ـ": None, "\u200c": None})
_STEMMERS: dict[str, Stemmer.Stemmer] = {}


def _stemmer(language: str) -> Stemmer.Stemmer:
    if language not in _STEMMERS:
        _STEMMERS[language] = Stemmer.Stemmer(language)
    return _STEMMERS[language]


def script(word: str) -> str:
    """'latin', 'cyrillic', 'arabic' or 'other' (by the first letter)."""
    for ch in word:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if name.startswith("LATIN"):
                return "latin"
            if name.startswith("CYRILLIC"):
                return "cyrillic"
            if name.startswith(("ARABIC", "PERSIAN")):
                return "arabic"
            return "other"
    return "other"


def fold(word: str) -> str:
    """Lower case, ß → ss, marks removed (ä → a, é → e), Arabic letter variants unified."""
    w = unicodedata.normalize("NFKD", word.casefold())
    w = "".join(c for c in w if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", w).translate(_ARABIC_MAP)


def umlaut_spelling(word: str) -> str | None:
    """'naehwerkstatt' → 'nähwerkstatt' (the ae/oe/ue spelling of umlauts); None if none."""
    w = word.casefold()
    spelled = w.replace("ae", "ä").replace("oe", "ö").replace("ue", "ü")
    return spelled if spelled != w else None


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The term of one word (already split from the text, any case)."""
    w = word.casefold()
    kind = script(w)
    if kind == "latin":
        # accents other than the umlauts first (the German stemmer knows ä, ö, ü, ß): é → e
        w = "".join(c if c in "äöüß" else fold(c) for c in unicodedata.normalize("NFC", w))
        # Snowball leaves "sprachkurse" at "sprachkurs" although "sprachkurs" stems to
        # "sprachkur": a second pass, for that final s only
        german = _stemmer("german")
        once = german.stemWord(w)
        twice = german.stemWord(once)
        w = twice if twice == once[:-1] else once
    elif kind == "cyrillic":
        w = _stemmer("russian").stemWord(fold(w))
    elif kind == "arabic":
        w = _stemmer("arabic").stemWord(fold(w))
    return fold(w)


@lru_cache(maxsize=1)
def lexicon() -> frozenset[str]:
    """Folded German words that may be parts of a compound."""
    words = wordfreq.top_n_list("de", LEXICON_SIZE)
    return frozenset(fold(w) for w in words if w.isalpha() and w not in STOPWORDS)


def _is_part(part: str, lex: frozenset[str], min_length: int) -> bool:
    return len(part) >= min_length and (part in lex or part + "e" in lex)


def _splits(w: str, lex: frozenset[str], min_head: int) -> list[tuple[str, ...]]:
    """Every way to read `w` as head (+ link) + tail, the tail a word or a compound itself."""
    found = []
    for i in range(min_head, len(w) - MIN_TAIL + 1):
        head = w[:i]
        if not _is_part(head, lex, min_head):
            continue
        rest = w[i:]
        for link in LINKS:
            if not rest.startswith(link):
                continue
            tail = rest[len(link):]
            if len(tail) < MIN_TAIL:
                continue
            if tail in lex:
                found.append((head, tail))
            deeper = compound_parts(tail)
            if deeper:
                found.append((head, *deeper))
    return found


@lru_cache(maxsize=100_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """Parts of a German compound, folded and unstemmed ('nahwerkstatt' → ('nah', 'werkstatt')),
    or () when the word is not a compound of known words. Of several readings the one with
    the fewest parts wins, then the one whose shortest part is longest."""
    w = fold(word)
    if len(w) < MIN_COMPOUND or script(w) != "latin" or not w.isalpha():
        return ()
    lex = lexicon()
    # a word of its own (Werkstatt) is split only into parts of four letters or more
    readings = _splits(w, lex, MIN_HEAD + 1 if w in lex else MIN_HEAD)
    if not readings:
        return ()
    return min(readings, key=lambda parts: (len(parts), -min(len(p) for p in parts)))


def words(text: str) -> list[str]:
    """The words of a text as typed (hyphenated words kept together), without punctuation."""
    return _WORD.findall(text or "")


def word_terms(word: str) -> list[str]:
    """Terms of one word of a document: its stem and its folded spelling (typos are measured
    against whole words), and the stems of the parts of hyphenated words and compounds."""
    pieces = word.split("-")
    out = []
    if len(pieces) > 1:
        joined = "".join(pieces)
        out.append(stem(joined))
    for piece in pieces:
        folded = fold(piece)
        if not piece or piece.casefold() in STOPWORDS:
            continue
        term = stem(piece)
        out.append(term)
        if folded != term and len(folded) >= 5:
            out.append(folded)
        out.extend(stem(p) for p in compound_parts(piece))
    return out


def document_terms(text: str) -> str:
    """The space-separated terms of a document (title or body) for the full-text index."""
    out: list[str] = []
    for word in words(text):
        out.extend(word_terms(word))
    return " ".join(t for t in out if t)


def query_words(query: str) -> list[str]:
    """The words of a user's query that count, in order, without stop words and repeats."""
    seen, out = set(), []
    for word in words(query):
        for piece in word.split("-"):
            key = fold(piece)
            if piece and piece.casefold() not in STOPWORDS and key not in seen:
                seen.add(key)
                out.append(piece)
    return out[:MAX_QUERY_WORDS]


def max_typos(word: str) -> int:
    """Edits allowed for a typed word: 0 below 5 letters, 1 from 5, 2 from 9."""
    n = len(word)
    return 0 if n < 5 else 1 if n < 9 else 2
