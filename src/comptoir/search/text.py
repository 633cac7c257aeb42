"""What a search box receives, turned into something each backend can use.

The syntax is the web search one (PostgreSQL's ``websearch_to_tsquery``):
words must all match, ``"quoted words"`` form a phrase, ``-word`` excludes,
``or`` between words accepts either. SQLite gets the same meaning in FTS5.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY = 200
MIN_SUGGEST = 3

WORD = re.compile(r"\w+", re.UNICODE)
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')

# Too common to tell two texts apart: dropped when looking for texts "like" another
# (related articles, similar tickets), where any shared word would otherwise count.
_STOP = """
    a afin ai aie ainsi alors au aucun aussi autre aux avec avoir bien bon c ca car ce ceci
    cela celle celui ces cet cette chaque ci comme comment d dans de des deja depuis donc dont
    du elle elles en encore est et etait ete etre eu fait faire faut il ils j je jour l la le
    les leur lui m ma mais me meme mes moi mon n ne ni nos notre nous on ou par pas peu peut
    plus pour pourquoi quand que quel quelle qui quoi s sa sans se ses si son sont sur ta te
    tes toi ton tous tout tres tu un une vos votre vous y bonjour merci cordialement svp
    the an and are as at be but by can do does for from has have how i if in into is it its
    me my no not of on or our so than that this to was we what when where which who why will
    with you your hello thanks please
    el los las del se por con para una unos unas es lo al mi sus le o pero mas hola gracias
"""
STOP_WORDS = frozenset(_STOP.split())


def fold(text: str) -> str:
    """Lower case without accents: ``Équipe`` -> ``equipe``."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def clean_query(raw: str) -> str:
    return " ".join((raw or "").replace("\x00", "").split())[:MAX_QUERY]


@dataclass
class ParsedQuery:
    """Groups of alternatives: each group must match (AND), one term of it suffices (OR)."""

    groups: list[list[list[str]]] = field(default_factory=list)  # group -> terms -> words
    excluded: list[list[str]] = field(default_factory=list)
    # The last term was being typed: match it as a prefix.
    open_prefix: bool = False

    @property
    def words(self) -> list[str]:
        return [w for group in self.groups for term in group for w in term]

    def __bool__(self) -> bool:
        return bool(self.groups)


def parse(raw: str, *, prefix: bool = False) -> ParsedQuery:
    """Parse web search syntax into words (as typed, without punctuation)."""
    parsed = ParsedQuery()
    pending_or = False
    text = clean_query(raw)
    for match in _TOKEN.finditer(text):
        negate, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or":
            pending_or = bool(parsed.groups)
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negate, bare = "-", bare[1:]
        words = WORD.findall(quoted if quoted is not None else bare or "")
        words = [w for w in words if w != "_"]
        if not words:
            continue
        if negate:
            parsed.excluded.append(words)
            continue
        if pending_or:
            parsed.groups[-1].append(words)
        else:
            parsed.groups.append([words])
        pending_or = False
    ends_open = bool(text) and not text.endswith((" ", '"'))
    parsed.open_prefix = prefix and ends_open and bool(parsed.groups)
    return parsed


def significant_words(text: str, *, limit: int = 24) -> list[str]:
    """The distinctive words of a text (for "more like this"), most frequent first."""
    counts: dict[str, int] = {}
    originals: dict[str, str] = {}
    for word in WORD.findall(text or ""):
        key = fold(word)
        if len(key) < 3 or key in STOP_WORDS or key.isdigit():
            continue
        counts[key] = counts.get(key, 0) + 1
        originals.setdefault(key, word)
    ranked = sorted(counts, key=lambda k: (-counts[k], list(counts).index(k)))
    return [originals[k] for k in ranked[:limit]]
