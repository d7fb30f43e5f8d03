"""``bot.transcripts``: the copy's text, its size limit and the rate limit, at their edges."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.transcripts import (
    COOLDOWN,
    MAX_BYTES,
    CopyLimit,
    Entry,
    Transcript,
    render,
    stamp,
    unreadable,
)

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def entries(count: int, size: int = 10) -> list[Entry]:
    return [
        Entry(at=T0 + dt.timedelta(minutes=n), author=f"person{n % 2}", text=f"m{n} " + "x" * size)
        for n in range(count)
    ]


def made(items: list[Entry], **options: object) -> Transcript:
    return render(
        items,
        title="A copy of request #4 in Recovery Group",
        reader="ann",
        made_at=T0,
        zone=None,
        **options,  # type: ignore[arg-type]
    )


def copy(items: list[Entry], **options: object) -> str:
    return made(items, **options).data.decode("utf-8")


def smallest_limit_for(items: list[Entry], shown: int, **options: object) -> int:
    """The smallest ``max_bytes`` that keeps ``shown`` entries (a binary search)."""
    low, high = 0, 10**6
    while low < high:
        middle = (low + high) // 2
        if made(items, max_bytes=middle, **options).shown >= shown:
            high = middle
        else:
            low = middle + 1
    return low


def test_times_are_utc_with_the_readers_zone_beside_them() -> None:
    assert stamp(T0, None) == "2026-03-01 12:00 UTC"
    assert stamp(T0, ZoneInfo("UTC")) == "2026-03-01 12:00 UTC"
    assert stamp(T0, ZoneInfo("Asia/Tokyo")) == "2026-03-01 12:00 UTC (2026-03-01 21:00 Asia/Tokyo)"
    late = T0.replace(hour=2)
    assert stamp(late, ZoneInfo("America/New_York")) == (
        "2026-03-01 02:00 UTC (2026-02-28 21:00 America/New_York)"
    )


def test_every_entry_in_order_with_its_attachments_embeds_and_edits() -> None:
    items = [
        Entry(at=T0, author="Bot (bot)", embeds=("Title\nDescription",), from_bot=True),
        Entry(at=T0, author="ann", text="line one\nline two", edited=True),
        Entry(at=T0, author="ann", attachments=("https://cdn.example/a.png",)),
        Entry(at=T0, author="", text="nameless"),
    ]

    text = copy(items)

    assert text.startswith("A copy of request #4 in Recovery Group\nMade 2026-03-01 12:00 UTC")
    assert "[2026-03-01 12:00 UTC] Bot (bot):\n    Title\n    Description\n" in text
    assert "] ann (edited):\n    line one\n    line two\n" in text
    assert "] ann:\n    Attachment: https://cdn.example/a.png\n" in text
    assert "] Someone:\n    nameless\n" in text
    assert text.endswith("End of the copy (4 messages).\n")


def test_invisible_and_direction_characters_are_cleaned() -> None:
    text = copy([Entry(at=T0, author="ev\u202eil", text="hi\u200b there")])

    assert "\u202e" not in text
    assert "\u200b" not in text


@pytest.mark.parametrize(
    ("slack", "shown"),
    [
        pytest.param(-1, 2, id="one-byte-short-of-three"),
        pytest.param(0, 3, id="exactly-three"),
    ],
)
def test_the_size_limit_keeps_the_newest_entries_that_fit(slack: int, shown: int) -> None:
    items = entries(3)
    limit = smallest_limit_for(items, 3) + slack

    copied = made(items, max_bytes=limit)

    assert copied.shown == shown
    assert len(copied.data) <= limit
    assert copied.cut is (shown < 3)
    assert ("m0 " in copied.data.decode()) is (shown == 3)  # the oldest go first


def test_a_cut_copy_says_so_before_the_messages() -> None:
    items = entries(5, size=100)
    text = copy(items, max_bytes=smallest_limit_for(items, 2))

    assert "too long for one file: this copy holds its last 2 messages; the 3 before them" in text
    assert "m0 " not in text
    assert text.index("too long") < text.index("m3 ") < text.index("m4 ")


def test_older_messages_not_read_are_said_too() -> None:
    text = copy(entries(3), earlier=True)

    assert "this copy holds its last 3 messages; the older ones are still in the thread" in text


def test_cut_by_size_after_older_messages_not_read() -> None:
    items = entries(5, size=100)

    text = copy(items, earlier=True, max_bytes=smallest_limit_for(items, 2, earlier=True))

    assert "the 3 before them (and older ones) are still in the thread" in text


def test_the_largest_thread_stays_under_discords_file_limit() -> None:
    """2,000 messages of 2,000 three-byte characters (12 MB) and the bot's embeds."""
    items = [Entry(at=T0, author="ann", text="é" * 2000, embeds=("ü" * 1000,)) for _ in range(2000)]

    copied = made(items, earlier=True)

    assert len(copied.data) <= MAX_BYTES < 8 * 1000 * 1000
    assert copied.cut
    assert 0 < copied.shown < 2000
    copied.data.decode("utf-8")  # never cut inside a character


def test_a_blank_message_from_a_person_means_discord_hid_the_text() -> None:
    readable = [
        Entry(at=T0, author="bot", from_bot=True),  # a bot's empty message is no sign
        Entry(at=T0, author="ann", text="hello"),
        Entry(at=T0, author="ann", attachments=("https://cdn.example/a.png",)),
        Entry(at=T0, author="ann", embeds=("preview",)),
    ]
    assert not unreadable(readable)
    assert unreadable([*readable, Entry(at=T0, author="ann", text="  ")])


def test_one_copy_per_key_every_cooldown() -> None:
    limit = CopyLimit()
    key = (1, 42)

    assert limit.take(key, T0) is None
    assert limit.take(key, T0 + COOLDOWN - dt.timedelta(seconds=1)) == T0 + COOLDOWN
    assert limit.take((2, 42), T0) is None  # another request
    assert limit.take((1, 43), T0) is None  # another person
    assert limit.take(key, T0 + COOLDOWN) is None  # exactly at the end: again


def test_a_copy_given_back_can_be_taken_again_at_once() -> None:
    limit = CopyLimit()
    key = (1, 42)
    assert limit.take(key, T0) is None

    limit.give_back(key, T0 + dt.timedelta(seconds=1))  # not the one noted: kept
    assert limit.take(key, T0 + dt.timedelta(seconds=2)) is not None
    limit.give_back(key, T0)

    assert limit.take(key, T0 + dt.timedelta(seconds=2)) is None


def test_old_copies_are_forgotten() -> None:
    limit = CopyLimit(cooldown=dt.timedelta(minutes=10))
    for person in range(100):
        limit.take((1, person), T0)

    limit.take((2, 1), T0 + dt.timedelta(minutes=10))

    assert len(limit._last) == 1


@pytest.mark.parametrize(
    ("earlier", "said"),
    [
        (False, "its last 2 messages; the one before them is still in the thread"),
        (True, "its last 2 messages; the one before them (and older ones) are still"),
    ],
)
def test_one_message_left_out_is_said_in_the_singular(earlier: bool, said: str) -> None:
    items = entries(3, size=100)

    text = copy(items, earlier=earlier, max_bytes=smallest_limit_for(items, 2, earlier=earlier))

    assert said in text
