"""Typo tolerance per query word, against the lexicon of the catalog's words (`search_words`).

Each word of a query is corrected on its own, the way Meilisearch and Typesense do it:
words of 3-7 characters may be one edit away (from 3, not 4: a letter dropped from a
4-letter word leaves 3), words of 8-16 two, an adjacent transposition counting as one edit
(Damerau); shorter and longer words are taken as typed. Candidates come from `search_word_variants` (symmetric delete: a
lexicon word and a query word within one edit share a one-letter deletion, or are one
another's), then the edit distance decides.
Two adjacent words may be one catalog word ("twenty one" -> "twentyone") and one word may be
two ("twentyone" -> "twenty one"). The last word of a query is also read as a prefix
(type-ahead), so a typo in an earlier word does not stop it: "arctic monkyes do".

The result is a tsquery of alternatives per word, for the search's typo tier, and the whole
names the corrected words spell, for its corrected-name tier ("the killer" -> "the killers").
One round trip to the lexicon per search.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

# Words of a query corrected at most, and corrections kept per word.
MAX_WORDS = 8
MAX_ALTERNATIVES = 12
# Near names looked up by equality (cheap btree probes): more alternatives per word.
NAME_ALTERNATIVES = 16
MAX_NAMES = 64

# Which query words the catalog knows; which lexicon words share a deletion variant with
# a query word (the candidates within one edit, or two for long words, of it); whether the
# last word starts a known word (type-ahead); which joined or split pieces are words.
_LEXICON = """
SELECT 'exact' AS kind, w.word AS key, w.word FROM search_words w
 WHERE w.word = ANY(CAST(:words AS text[]))
UNION ALL
SELECT 'near', v.variant, v.word FROM search_word_variants v
 WHERE v.variant = ANY(CAST(:keys AS text[]))
UNION ALL
SELECT 'prefix', NULL, NULL
 WHERE EXISTS (SELECT 1 FROM search_words w WHERE w.word LIKE :last_prefix)
UNION ALL
SELECT 'piece', w.word, w.word FROM search_words w WHERE w.word = ANY(CAST(:pieces AS text[]))
"""


def deletions(word: str, depth: int) -> set[str]:
    """The word and every string `depth` or fewer letter deletions make of it."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w)) if len(w) > 1}
        found |= frontier
    return found


# The lexicon keeps variants of words of this many characters (search_word_variants_v1.sql).
MIN_TYPO_LENGTH = 3
MAX_TYPO_LENGTH = 16


def allowed_edits(word: str) -> int:
    """Edits forgiven in a word of this length: none below 3 characters or above 16, 1 up
    to 7, then 2."""
    if not MIN_TYPO_LENGTH <= len(word) <= MAX_TYPO_LENGTH:
        return 0
    return 1 if len(word) < 8 else 2


def damerau(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (adjacent transpositions count one), or limit + 1
    as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def quote(lexeme: str) -> str:
    """A lexeme as a tsquery operand (as `search_quote_lexeme` does in SQL)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass
class Corrections:
    """What the lexicon says about a query's words."""

    words: list[str]
    known: list[bool]
    # The last word starts a known word: it is being typed, perhaps not mistyped.
    last_is_prefix: bool = False
    alternatives: list[list[str]] = field(default_factory=list)
    joined: dict[int, str] = field(default_factory=dict)  # i: word spelled by words i and i+1
    split: dict[int, tuple[str, str]] = field(default_factory=dict)

    def _corrected(self, i: int) -> bool:
        return not self.known[i] and bool(
            self.alternatives[i] or i in self.split or i in self.joined
        )

    @property
    def needs_typo_tier(self) -> bool:
        """A word the catalog lacks was corrected."""
        return any(self._corrected(i) for i in range(len(self.words)))

    @property
    def typo_tier_always(self) -> bool:
        """The typo tier runs whatever the other tiers found: a word other than a last word
        still being typed was corrected. (A corrected last word that also starts a known
        word is tried only when the exact and prefix tiers find few results.)"""
        last = len(self.words) - 1
        return any(
            self._corrected(i) and not (i == last and self.last_is_prefix)
            for i in range(len(self.words))
        )

    def tsquery(self, *, every_word: bool = False) -> str | None:
        """Each word the catalog lacks OR its corrections (with `every_word`, known words
        too: for when the words as typed find nothing), all words required; the last also
        as a prefix."""
        if not (self.needs_typo_tier or (every_word and any(self.alternatives))):
            return None
        last = len(self.words) - 1
        parts: list[str] = []
        skip = False
        for i, word in enumerate(self.words):
            if skip:
                skip = False
                continue
            suffix = ":*" if i == last else ""
            corrected = every_word or not self.known[i]
            spellings = [word, *(self.alternatives[i][:MAX_ALTERNATIVES] if corrected else [])]
            options = [quote(w) + suffix for w in dict.fromkeys(spellings)]
            if i in self.split:
                left, right = self.split[i]
                options.append(f"({quote(left)} & {quote(right)}{suffix})")
            if i in self.joined and (every_word or not self.known[i]):
                tail = ":*" if i + 1 == last else ""
                whole = quote(self.joined[i]) + tail
                rest = self.words[i + 1]
                spelled = [rest, *self.alternatives[i + 1][:MAX_ALTERNATIVES]]
                if not (every_word or not self.known[i + 1]):
                    spelled = [rest]
                nxt = [quote(w) + tail for w in dict.fromkeys(spelled)]
                options = [f"(({' | '.join(options)}) & ({' | '.join(nxt)}))", whole]
                skip = True
            parts.append("(" + " | ".join(options) + ")")
        return " & ".join(parts)

    def names(self) -> list[str]:
        """Whole names the corrected words spell, as `search_name_norm` writes them
        (distinct words, sorted), without the query's own spelling: one word corrected at a
        time, then every corrected word at once, then joined pairs."""
        own = " ".join(sorted(set(self.words)))
        names: dict[str, None] = {}

        def add(words: list[str]) -> None:
            name = " ".join(sorted(set(words)))
            if name != own:
                names.setdefault(name)

        for i, alternatives in enumerate(self.alternatives):
            for alternative in alternatives[:NAME_ALTERNATIVES]:
                add([*self.words[:i], alternative, *self.words[i + 1 :]])
        add([alts[0] if alts and not known else w
             for w, alts, known in zip(self.words, self.alternatives, self.known, strict=True)])  # fmt: skip
        for i, whole in self.joined.items():
            add([*self.words[:i], whole, *self.words[i + 2 :]])
        return list(names)[:MAX_NAMES]


def _lookups(words: list[str]) -> tuple[list[str], dict[str, set[int]]]:
    """The joined and split pieces to look up, and each deletion key with its words."""
    pieces = [a + b for a, b in itertools.pairwise(words)]
    for word in words:
        if len(word) >= 5:
            pieces += [p for n in range(2, len(word) - 1) for p in (word[:n], word[n:])]
    keys_of: dict[str, set[int]] = {}
    for i, word in enumerate(words):
        if allowed_edits(word):
            for key in deletions(word, allowed_edits(word)):
                keys_of.setdefault(key, set()).add(i)
    return pieces, keys_of


def correct(connection: Connection, *, words: list[str]) -> Corrections:
    """Look the query's words up in the lexicon: one statement."""
    words = words[:MAX_WORDS]
    if not words:
        return Corrections(words=[], known=[])
    pieces, keys_of = _lookups(words)
    last = words[-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = connection.execute(
        text(_LEXICON),
        {"words": words, "keys": list(keys_of), "pieces": pieces, "last_prefix": last},
    ).all()
    found = Corrections(words=words, known=[False] * len(words))
    candidates: list[list[str]] = [[] for _ in words]
    lexicon_pieces: set[str] = set()
    for kind, key, word in rows:
        if kind == "piece":
            lexicon_pieces.add(word)
        elif kind == "prefix":
            found.last_is_prefix = True
        elif kind == "exact":
            for i, query_word in enumerate(words):
                if query_word == word:
                    found.known[i] = True
        else:
            for i in keys_of.get(key, ()):
                if word != words[i]:
                    candidates[i].append(word)
    _choose(found, candidates, lexicon_pieces)
    return found


def _choose(found: Corrections, candidates: list[list[str]], lexicon_pieces: set[str]) -> None:
    """Keep the candidates within each word's allowed edits, nearest first; splits; joins."""
    words = found.words
    for i, word in enumerate(words):
        limit = allowed_edits(word)
        # Nearest first; among equals, the same first letter, then the same length.
        scored = sorted(
            (distance, candidate[:1] != word[:1], abs(len(candidate) - len(word)), candidate)
            for candidate in dict.fromkeys(candidates[i])
            if (distance := damerau(word, candidate, limit)) <= limit
        )
        found.alternatives.append([c for *_, c in scored[:NAME_ALTERNATIVES]])
        if not found.known[i] and len(word) >= 5:
            for n in range(2, len(word) - 1):
                if word[:n] in lexicon_pieces and word[n:] in lexicon_pieces:
                    found.split[i] = (word[:n], word[n:])
                    break
    for i, (a, b) in enumerate(itertools.pairwise(words)):
        if a + b in lexicon_pieces:
            found.joined[i] = a + b
