"""Message bodies and subjects for the generated data, built from ``demo_text``.

Built for speed: hundreds of thousands of bodies are made per run. Each pool
is laid out once as a long "ring": the pool's sentences shuffled again and
again, placeholders filled with random values, with running word counts. A
body is then a slice of the ring from a random place, as long as its word
target: one binary search and a few joins, no per-sentence work. The pools
hold no ``<``, ``>`` or ``&``, so the text needs no escaping to become HTML.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from itertools import accumulate

from . import demo_text

MIN_WORDS = 50
MAX_WORDS = 400
RING = 30_000  # sentences per pool, at most
SPAN = 120  # more sentences than any body needs


class _Ring:
    def __init__(
        self,
        sentences: tuple[str, ...],
        rng: random.Random,
        fill: dict[str, list[str]],
        size: int,
    ) -> None:
        for sentence in sentences:
            if any(char in sentence for char in "<>&"):
                raise ValueError(f"Sentence would need HTML escaping: {sentence!r}")
        ring: list[str] = []
        order = list(sentences)
        while len(ring) < size + SPAN:
            rng.shuffle(order)
            for sentence in order:
                if "{" in sentence:
                    sentence = sentence.format(**{k: rng.choice(v) for k, v in fill.items()})
                ring.append(sentence)
        counts = [s.count(" ") + 1 for s in ring]  # the pools have single spaces only
        self.sentences = ring
        # starts[i]: words before sentence i, so words(i..j) = starts[j] - starts[i].
        self.starts = [0, *accumulate(counts)]
        self.longest = max(counts)


class TextMaker:
    """Deterministic text for one run: every choice comes from ``rng``."""

    def __init__(self, rng: random.Random, modules: list[str], *, ring: int = RING) -> None:
        self.rng = rng
        modules = [" ".join(m.split()) for m in modules if not any(c in m for c in "<>&{}")]
        modules = [m for m in modules if m] or ["Facturation"]
        numbers = [str(n) for n in range(2, 41)]
        self.rings = {
            key: _Ring(
                sentences,
                rng,
                {"module": modules, "n": numbers, "day": list(demo_text.DAYS[key[0]])},
                ring,
            )
            for key, sentences in demo_text.POOLS.items()
        }
        self.greetings = {k: list(v) for k, v in demo_text.GREETINGS.items()}
        self.closings = {k: list(v) for k, v in demo_text.CLOSINGS.items()}
        # Room left for the last sentence, so a body never passes MAX_WORDS.
        longest = max(ring.longest for ring in self.rings.values())
        self.spread = MAX_WORDS - MIN_WORDS - longest - 12

    def subject(self, language: str) -> str:
        rng = self.rng
        subjects = demo_text.SUBJECTS_FR if language == "fr" else demo_text.SUBJECTS_EN
        return rng.choice(subjects) + rng.choice(demo_text.SUBJECT_TAILS[language])

    def body(
        self, language: str, role: str, *, author: str, addressee: str, internal: bool = False
    ) -> tuple[str, str]:
        """(body_html, body_text) of 50 to 400 words.

        ``role`` is "customer" or "agent"; internal notes have no greeting or
        signature. ``author`` and ``addressee`` are first names.
        """
        random_ = self.rng.random
        ring = self.rings[(language, "note" if internal else role)]
        head: list[str] = []
        closing = ""
        if internal:
            target = MIN_WORDS + int(100 * random_())
        else:
            # Most messages are short, a few are long.
            target = MIN_WORDS + int(self.spread * random_() ** 3)
            options = self.greetings[(language, role)]
            greeting = options[int(random_() * len(options))]
            head.append(greeting.format(first=addressee) if "{" in greeting else greeting)
            options = self.closings[(language, role)]
            signature = (
                demo_text.SIGNATURE_AGENT[language].format(first=author)
                if role == "agent"
                else author
            )
            closing = options[int(random_() * len(options))] + "\n" + signature
        needed = target - len(head[0].split()) - len(closing.split()) if head else target
        starts = ring.starts
        first = int(random_() * (len(ring.sentences) - SPAN))
        # The fewest sentences from ``first`` that reach the target (a small pool may
        # need to come round again for a long message).
        end = bisect_left(starts, starts[first] + needed, first + 1, first + SPAN)
        chosen = ring.sentences[first:end]
        # Paragraphs of two to four sentences.
        per = 2 + int(random_() * 3)
        paragraphs = head + [" ".join(chosen[i : i + per]) for i in range(0, len(chosen), per)]
        text = "\n\n".join(paragraphs)
        html = "<p>" + "</p><p>".join(paragraphs) + "</p>"
        if closing:
            text += "\n\n" + closing
            html += "<p>" + closing.replace("\n", "<br>") + "</p>"
        return html, text
