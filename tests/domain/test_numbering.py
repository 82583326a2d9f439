"""Ticket numbers from a zone's range: hub.domain.numbering."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.center import MAX_NUMBER, MIN_RANGE_SIZE, NumberRange
from hub.domain.errors import Conflict, RangeExhausted
from hub.domain.numbering import allocate_number, number_for

CONSULTATION = NumberRange(100, 399)
SMALL = NumberRange(100, 109)


# --------------------------------------------------------------------------- number_for


@pytest.mark.parametrize(
    ("sequence", "number"),
    [(1, 100), (2, 101), (300, 399), (301, 100), (302, 101), (600, 399), (601, 100),
     (1000, 199)],
)
def test_number_for_cycles_through_the_range(sequence: int, number: int) -> None:
    assert number_for(CONSULTATION, sequence) == number


def test_every_day_starts_at_the_first_number() -> None:
    # The counter is kept per zone and service day, so sequence 1 is each day's first ticket.
    assert number_for(NumberRange(500, 699), 1) == 500
    assert number_for(NumberRange(800, 899), 1) == 800
    assert [number_for(SMALL, s) for s in range(1, 13)] == [
        100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 100, 101]


@pytest.mark.parametrize("sequence", [0, -1, -300])
def test_sequence_starts_at_one(sequence: int) -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        number_for(CONSULTATION, sequence)


spans = st.integers(1, MAX_NUMBER - MIN_RANGE_SIZE + 1).flatmap(
    lambda first: st.integers(first + MIN_RANGE_SIZE - 1, min(first + 399, MAX_NUMBER)).map(
        lambda last: NumberRange(first, last)))


@given(span=spans, sequence=st.integers(1, 100_000))
@settings(max_examples=300)
def test_number_for_stays_in_range_and_has_the_range_as_period(span: NumberRange,
                                                               sequence: int) -> None:
    number = number_for(span, sequence)
    assert number in span
    assert number_for(span, sequence + span.size) == number
    following = number_for(span, sequence + 1)
    assert following == (span.first if number == span.last else number + 1)


@given(span=spans)
@settings(max_examples=50)
def test_one_pass_hands_out_every_number_once(span: NumberRange) -> None:
    handed = [number_for(span, s) for s in range(1, span.size + 1)]
    assert handed == list(range(span.first, span.last + 1))


# --------------------------------------------------------------------------- allocate_number


def test_allocate_first_ticket_of_the_day() -> None:
    assert allocate_number(CONSULTATION, 0, set()) == (1, 100)


def test_allocate_next_after_last_sequence() -> None:
    assert allocate_number(CONSULTATION, 41, {100, 101}) == (42, 141)
    assert allocate_number(CONSULTATION, 300, set()) == (301, 100)


def test_allocate_skips_numbers_still_in_use_after_a_wrap() -> None:
    # The day wrapped: 100, 101 and 103 are still waiting.
    assert allocate_number(SMALL, 10, {100, 101, 103}) == (13, 102)
    assert allocate_number(SMALL, 13, {100, 101, 102, 103}) == (15, 104)


def test_allocate_wraps_past_the_end() -> None:
    assert allocate_number(SMALL, 8, {108, 109}) == (11, 100)


def test_numbers_outside_the_range_do_not_matter() -> None:
    assert allocate_number(SMALL, 0, {1, 99, 110, 500}) == (1, 100)


def test_one_free_number_is_found_wherever_it_is() -> None:
    for free in range(SMALL.first, SMALL.last + 1):
        in_use = set(range(SMALL.first, SMALL.last + 1)) - {free}
        for last in (0, 3, 9, 10, 57):
            sequence, number = allocate_number(SMALL, last, in_use)
            assert number == free
            assert last < sequence <= last + SMALL.size
            assert number_for(SMALL, sequence) == free


@pytest.mark.parametrize("last_sequence", [0, 5, 10, 1234])
def test_range_exhausted(last_sequence: int) -> None:
    with pytest.raises(RangeExhausted) as caught:
        allocate_number(SMALL, last_sequence, set(range(100, 110)))
    error = caught.value
    assert isinstance(error, Conflict)
    assert error.code == "range_exhausted"
    assert error.status == 409
    assert error.field == "zone.range"
    assert "100–109" in error.detail
    assert "10 numbers" in error.detail
    assert "ресепшн" in error.text.ru.lower()
    assert error.text.kk.strip()
    assert error.text.kk != error.text.ru


@given(span=spans, last=st.integers(0, 2000), data=st.data())
@settings(max_examples=200)
def test_allocate_returns_the_first_free_number_in_turn(span: NumberRange, last: int,
                                                        data: st.DataObject) -> None:
    every = list(range(span.first, span.last + 1))
    in_use = set(data.draw(st.lists(st.sampled_from(every), max_size=span.size + 5)))
    if len(in_use) == span.size:
        with pytest.raises(RangeExhausted):
            allocate_number(span, last, in_use)
        return
    sequence, number = allocate_number(span, last, in_use)
    assert sequence > last
    assert number in span
    assert number not in in_use
    assert number == number_for(span, sequence)
    # Nothing free was passed over on the way.
    assert all(number_for(span, s) in in_use for s in range(last + 1, sequence))


def test_allocate_works_with_any_container() -> None:
    assert allocate_number(SMALL, 0, frozenset({100})) == (2, 101)
    assert allocate_number(SMALL, 0, [100, 101]) == (3, 102)
    assert allocate_number(SMALL, 0, range(100, 105)) == (6, 105)


# --------------------------------------------------------------------------- a day

# Three issues for each completion on average, so the range wraps and fills up.
day_events = st.lists(st.one_of(st.just(("issue",)), st.just(("issue",)), st.just(("issue",)),
                                st.tuples(st.just("finish"), st.integers(0, 10_000))),
                      min_size=30, max_size=150)


@given(first=st.integers(1, 9000), size=st.integers(MIN_RANGE_SIZE, 30), events=day_events)
@settings(max_examples=150, deadline=None)
def test_a_day_of_issues_and_completions(first: int, size: int,
                                         events: list[tuple[Any, ...]]) -> None:
    span = NumberRange(first, first + size - 1)
    last_sequence = 0
    active: list[int] = []
    issued = 0
    for event in events:
        if event[0] == "finish":
            if active:
                active.pop(event[1] % len(active))
            continue
        if len(active) == span.size:
            with pytest.raises(RangeExhausted):
                allocate_number(span, last_sequence, set(active))
            continue
        sequence, number = allocate_number(span, last_sequence, set(active))
        assert sequence > last_sequence
        assert number in span
        assert number not in active
        if issued == 0:
            assert (sequence, number) == (1, span.first)
        issued += 1
        last_sequence = sequence
        active.append(number)
        assert len(set(active)) == len(active)
    # The next day starts afresh from the first number whatever is left.
    assert allocate_number(span, 0, set()) == (1, span.first)


def test_a_busy_day_on_the_smallest_range() -> None:
    # Ten numbers, visitors served in the order called: numbers simply wrap around.
    last = 0
    active: list[int] = []
    handed: list[int] = []
    for _ in range(25):
        if len(active) == 3:
            active.pop(0)
        last, number = allocate_number(SMALL, last, set(active))
        active.append(number)
        handed.append(number)
    assert handed == [100 + i % 10 for i in range(25)]
    assert last == 25
