"""Probable duplicates inside one organisation: the same person recorded twice, in any script, for review.

Names are encrypted in the database, so they are decrypted here, in memory, for one organisation's people only,
and never logged or returned: a pair carries the two records and the reasons, not the names. People without a
name are not compared (a code says nothing about who someone is).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
from anyascii import anyascii
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from sahay.accounts.models import User
from sahay.cases.models import Case
from sahay.core.models import Organisation
from sahay.records.models import Person, Sex
from sahay.records.selectors import sees_identity
from sahay.records.services import require_capture_scope

# A pair is listed from this name similarity (0-100) when both birth dates are known and close.
NAME_THRESHOLD = 87
# Without a birth date on either side only a very close name is listed.
NAME_THRESHOLD_WITHOUT_BIRTH = 95
# Birth dates further apart than this are different people (an estimated year counts as 1 July).
MAX_DAYS_APART = 366

_NOT_A_LETTER = re.compile(r"[^a-z0-9]+")
# Romanisations of the same sound differ: aspirates, voicing and vowels are where they differ most
# (Tamil writes k and g alike, Devanagari and Bengali carry inherent vowels, Thai "ch" is "j" elsewhere).
_DIGRAPHS = (("sh", "s"), ("ch", "c"), ("th", "t"), ("ph", "p"), ("kh", "k"), ("gh", "k"), ("dh", "t"), ("bh", "p"))
_FOLD = str.maketrans({"g": "k", "d": "t", "b": "p", "c": "s", "z": "j", "q": "k", "v": "w", "x": "s"})
_VOWELS = re.compile(r"[aeiouyh]")
_REPEATS = re.compile(r"(.)\1+")


def _skeleton_word(word: str) -> str:
    for digraph, letter in _DIGRAPHS:
        word = word.replace(digraph, letter)
    return _REPEATS.sub(r"\1", _VOWELS.sub("", word.translate(_FOLD)))


@lru_cache(maxsize=65_536)
def normalised_name(name: str) -> str:
    """A name in lowercase ASCII, without punctuation or diacritics, its words sorted.

    Words are sorted by their consonants first, so that "Sita Sharma" and "सीता शर्मा" (sita srma) come out
    in the same order, as the same words spelt alike do.
    """
    plain = anyascii(unicodedata.normalize("NFKC", name)).lower()
    return " ".join(sorted(_NOT_A_LETTER.sub(" ", plain).split(), key=lambda word: (_skeleton_word(word), word)))


@lru_cache(maxsize=65_536)
def name_skeleton(normalised: str) -> str:
    """The consonants of each word, folded to what transliterations agree on."""
    return " ".join(word for word in map(_skeleton_word, normalised.split()) if word)


def name_similarity(first: str, second: str) -> int:
    """How alike two names are, 0-100, whatever scripts they are written in."""
    return _similarity(normalised_name(first), normalised_name(second))


def _similarity(first: str, second: str) -> int:
    if not first or not second:
        return 0
    whole = fuzz.ratio(first, second)
    first_consonants, second_consonants = name_skeleton(first), name_skeleton(second)
    # Names begin alike or they are different names ("Rahim" and "Karim" are not two spellings of one).
    if sorted(word[:1] for word in first_consonants.split()) != sorted(word[:1] for word in second_consonants.split()):
        return round(whole)
    # A transliteration drops or changes vowels and voicing (Thai, Khmer and the Indic scripts write vowels as
    # marks, Tamil writes k and g alike; Mohammed is Muhammad): the consonants then weigh twice, only upwards.
    consonants = fuzz.ratio(first_consonants, second_consonants)
    return round(max(whole, (whole + 2 * consonants) / 3))


@dataclass(frozen=True)
class DuplicatePair:
    """Two records that may be one person; `first` was recorded first, and is the one to keep by default."""

    first: Person
    second: Person
    score: int
    name_similarity: int
    days_apart: int | None
    same_sex: bool
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Entry:
    person: Person
    name: str
    born: date | None


def _compatible_sexes(sex: str) -> Iterable[str]:
    return list(Sex.values) if sex == Sex.UNKNOWN else [sex, Sex.UNKNOWN]


def _block_pairs(
    blocks: dict[tuple[str, int | None], list[_Entry]],
) -> Iterable[tuple[list[_Entry], list[_Entry], bool]]:
    """Each pair of blocks whose people may be the same: compatible sex and birth years at most one apart.

    The third value says whether it is one block with itself (then each pair of people is compared once).
    """
    keys = sorted(blocks, key=lambda key: (key[0], -1 if key[1] is None else key[1]))
    for index, (sex, year) in enumerate(keys):
        for other_sex, other_year in keys[index:]:
            if other_sex not in _compatible_sexes(sex):
                continue
            if year is not None and other_year is not None and abs(year - other_year) > 1:
                continue
            yield blocks[(sex, year)], blocks[(other_sex, other_year)], (sex, year) == (other_sex, other_year)


def duplicate_candidates(*, organisation: Organisation, user: User) -> list[DuplicatePair]:
    """Pairs of the organisation's people who may be one person, most alike first.

    Alike means: the same sex (or one unknown), birth dates at most about a year apart (or a birth date
    missing and a name at least NAME_THRESHOLD_WITHOUT_BIRTH alike), and names at least NAME_THRESHOLD alike
    after transliteration to Latin letters. Raises PermissionDenied outside the user's capture scope.
    """
    require_capture_scope(user, organisation)
    people = Person.objects.filter(organisation=organisation, merged_into__isnull=True).only(
        "pk", "public_id", "code", "sex", "birth_date", "birth_year_estimated", "name", "organisation_id", "created_at"
    )
    # Only names the user may see are compared: a score against a hidden name would tell how alike a guess is.
    own_organisation = user.organisation_id == organisation.pk
    with_cases = set(Case.objects.filter(person__organisation=organisation).values_list("person_id", flat=True))
    blocks: dict[tuple[str, int | None], list[_Entry]] = defaultdict(list)
    for person in people.order_by("pk").iterator(chunk_size=2000):
        visible = sees_identity(user, person) if person.pk in with_cases else own_organisation
        if not visible:
            continue
        name = normalised_name(person.name) if person.name else ""
        if not name:
            continue
        born = person.reference_birth_date
        blocks[(person.sex, born.year if born else None)].append(_Entry(person, name, born))

    pairs: list[DuplicatePair] = []
    # Whole names below this cannot reach the threshold even with identical consonants: a fast first sieve in C.
    sieve = 3 * NAME_THRESHOLD - 200
    for left, right, same_block in _block_pairs(blocks):
        scores = process.cdist(
            [entry.name for entry in left],
            [entry.name for entry in right],
            scorer=fuzz.ratio,
            score_cutoff=sieve,
            dtype=np.uint8,
        )
        for row, column in zip(*np.nonzero(scores), strict=True):
            if same_block and column <= row:
                continue
            pair = _pair(left[row], right[column])
            if pair is not None:
                pairs.append(pair)
    pairs.sort(key=lambda pair: (-pair.score, pair.first.code, pair.second.code))
    return pairs


def _pair(one: _Entry, other: _Entry) -> DuplicatePair | None:
    days_apart = abs((one.born - other.born).days) if one.born and other.born else None
    if days_apart is not None and days_apart > MAX_DAYS_APART:
        return None
    similarity = _similarity(one.name, other.name)
    if similarity < (NAME_THRESHOLD if days_apart is not None else NAME_THRESHOLD_WITHOUT_BIRTH):
        return None
    first, second = sorted((one.person, other.person), key=lambda person: person.pk)
    same_sex = first.sex == second.sex
    reasons = [
        _("same sex") if same_sex else _("sex unknown for one of them"),
        _("birth dates %(days)s days apart") % {"days": days_apart}
        if days_apart is not None
        else _("a birth date is missing"),
        _("names %(percent)s%% alike") % {"percent": similarity},
    ]
    # Nearer birth dates and the same sex make a pair more likely; the name weighs most.
    score = similarity - (0 if same_sex else 5) - (5 if days_apart is None else round(10 * days_apart / MAX_DAYS_APART))
    return DuplicatePair(first, second, max(score, 0), similarity, days_apart, same_sex, reasons)
