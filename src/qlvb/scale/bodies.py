"""The file text of generated documents (nội dung tệp), cheap enough for a million of them.

A fixed pool of paragraphs (seeded, so every dataset has the same ones) is composed from
phrases.BODY_SENTENCES; a document's text is three paragraphs picked by a hash of its id, about
150 words, with the common words of administrative prose in almost every document (the
search's worst case) and places, numbers and dates that vary. The same picks are written by the
generator and by the search benchmark when it completes an older dataset, so both give a
document the same text.
"""

from __future__ import annotations

import functools
import random

from qlvb.scale import phrases as P
from qlvb.search.text import exact_text, folded_text

PARAGRAPHS = 512
PER_DOCUMENT = 3
SENTENCES_PER_PARAGRAPH = 3
_MULTIPLIER = 2654435761  # Knuth's multiplicative hash: neighbouring ids get unrelated picks


@functools.cache
def paragraphs() -> list[tuple[str, str, str]]:
    """(text as written, exact index words, folded index words) of each pooled paragraph."""
    rng = random.Random(20260301)  # the same pool in every dataset
    pool = []
    for _ in range(PARAGRAPHS):
        sentences = []
        for template in rng.sample(P.BODY_SENTENCES, SENTENCES_PER_PARAGRAPH):
            year = rng.choice((2024, 2025, 2026))
            sentences.append(
                template.format(
                    topic=rng.choice(P.TOPICS),
                    scope=rng.choice([s for s in P.SCOPES if s]).format(
                        year=year, quarter=rng.randint(1, 4), month=rng.randint(1, 12)
                    ),
                    agency=rng.choice(P.BODY_AGENCIES),
                    place=rng.choice(P.PLACES),
                    place2=rng.choice(P.PLACES),
                    n=rng.randint(2, 3999),
                    amount=f"{rng.randint(10, 99_999):,}".replace(",", "."),
                    day=rng.randint(1, 28),
                    month=rng.randint(1, 12),
                    year=year,
                )
            )
        text = " ".join(sentences)
        pool.append((text, exact_text(text), folded_text(text)))
    return pool


def picks(document_id: int) -> list[int]:
    """Which pooled paragraphs a document's text is made of (also computed in SQL by the
    search benchmark: keep the two in step)."""
    h = (document_id * _MULTIPLIER) % 2**32
    return [(h // PARAGRAPHS**k) % PARAGRAPHS for k in range(PER_DOCUMENT)]


def body(document_id: int) -> tuple[str, str]:
    """(exact, folded) index words of the document's file text."""
    pool = paragraphs()
    chosen = [pool[i] for i in picks(document_id)]
    return " ".join(p[1] for p in chosen), " ".join(p[2] for p in chosen)
