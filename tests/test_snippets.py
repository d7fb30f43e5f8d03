"""Saved replies in the domain and the database (issue 20): the rules at their edges, and the
service on a real SQLite file, one server at a time."""

from __future__ import annotations

import datetime as dt
import sqlite3
import zoneinfo

import pytest

from bot.consultations import Hours
from bot.crisis import CrisisResources, crisis_lines, load_crisis_resources
from bot.db import Database
from bot.safe_messaging import RULES, Concern, first_breach
from bot.settings import default_content_dir
from bot.snippets import (
    HOURS_WORST,
    MAX_SNIPPETS,
    MEMBER_WORST,
    MESSAGE_LIMIT,
    NAME_WORST,
    PREFIX_WORST,
    SERVER_WORST,
    TEXT_LIMIT,
    BadNameError,
    DuplicateSnippetError,
    Placeholder,
    SnippetGoneError,
    SnippetNotFoundError,
    SnippetService,
    StrayBraceError,
    TextTooLongError,
    TooManySnippetsError,
    UnclosedBraceError,
    UnknownPlaceholderError,
    UnsafeTextError,
    check_name,
    check_text,
    compose,
    fill,
    hours_text,
    placeholders,
    worst_length,
)
from bot.text import TextRefusedError
from bot.timezones import canonical_names

NOW = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)
GUILD, OTHER = 111, 222


def shipped_crisis() -> CrisisResources:
    return load_crisis_resources(default_content_dir())


CRISIS = crisis_lines(shipped_crisis())


@pytest.fixture
def snippets(db: Database) -> SnippetService:
    return SnippetService(db)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name",
    ["a", "x" * 32, "after-hours", "first_reply", "step2", "café", "-", "_"],
)
def test_good_names_are_kept(name: str) -> None:
    assert check_name(name) == name


def test_a_name_is_cleaned_first() -> None:
    assert check_name("  wel\u200bcome ") == "welcome"


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("x" * 33, "33 characters long; the limit is 32"),
        ("", "Please write a saved reply's name"),
        ("\u200b", "only invisible characters"),
        ("Welcome", "names are lowercase (try `welcome`)"),
        ("after hours", "it has a space"),
        ("hi!", "it has “!”"),
        ("a.b", "it has “.”"),
        ("{member}", "it has “{”"),
    ],
)
def test_bad_names_are_refused_saying_why(name: str, said: str) -> None:
    with pytest.raises((BadNameError, TextRefusedError)) as refused:
        check_name(name)
    assert said in refused.value.message


# --------------------------------------------------------------------------- placeholders


def test_every_placeholder_is_found_in_order() -> None:
    text = "{hours} {member} {staff} {server} {crisis} {member}"
    assert placeholders(text) == [
        Placeholder.HOURS,
        Placeholder.MEMBER,
        Placeholder.STAFF,
        Placeholder.SERVER,
        Placeholder.CRISIS,
        Placeholder.MEMBER,
    ]
    assert placeholders("no braces at all") == []


@pytest.mark.parametrize("placeholder", list(Placeholder))
def test_each_placeholder_is_filled(placeholder: Placeholder) -> None:
    values = {p: f"<{p.value} filled>" for p in Placeholder}
    assert fill(f"Before {{{placeholder.value}}} after", values) == (
        f"Before <{placeholder.value} filled> after"
    )


def test_filling_is_one_pass() -> None:
    """A server named "{crisis}" is not filled a second time."""
    values = dict.fromkeys(Placeholder, "")
    values[Placeholder.SERVER] = "{crisis}"
    values[Placeholder.CRISIS] = "LINES"
    assert fill("{server} {crisis}", values) == "{crisis} LINES"


@pytest.mark.parametrize(
    ("text", "error", "named"),
    [
        ("Hello {name}", UnknownPlaceholderError, "`{name}`"),
        (
            "Hello {Member}",
            UnknownPlaceholderError,
            "`{Member}` isn't a placeholder I know (write it as `{member}`: lowercase, no spaces)",
        ),
        ("Hello {}", UnknownPlaceholderError, "`{}`"),
        (
            "Hello { member }",
            UnknownPlaceholderError,
            "`{ member }` isn't a placeholder I know (write it as `{member}`",
        ),
        ("Hello {na`me}", UnknownPlaceholderError, "`{na'me}`"),
        ("Hello {member", UnclosedBraceError, "“{member”"),
        ("Hello {{member}}", UnclosedBraceError, "“{{member}}”"),
        ("Hello {member}}", StrayBraceError, "“Hello {member}}”"),
        ("Hello member}", StrayBraceError, "“Hello member}”"),
        ("Hi {staff} and {bogus} here", UnknownPlaceholderError, "`{bogus}`"),
    ],
)
def test_bad_braces_are_refused_naming_the_bad_one(
    text: str, error: type[Exception], named: str
) -> None:
    with pytest.raises(error) as refused:
        check_text(text, crisis=CRISIS)
    assert named in str(refused.value)
    assert "Nothing was saved" in str(refused.value)


def test_a_long_bad_piece_is_quoted_short() -> None:
    with pytest.raises(UnclosedBraceError) as refused:
        check_text("{" + "a" * 300, crisis=CRISIS)
    assert "a" * 30 not in str(refused.value)


# --------------------------------------------------------------------------- safe messaging


SAMPLES: dict[Concern, str] = {
    Concern.WORDING: "Sadly he committed suicide last year.",
    Concern.METHOD: "Please don't talk about hanging in the group.",
    Concern.CARE: "From what you say, you need an IOP.",
    Concern.LABEL: "Every addict is welcome here.",
    Concern.SHAME: "A clean test is not the point.",
}


@pytest.mark.parametrize("concern", list(Concern))
def test_unsafe_wording_of_each_kind_is_refused_saying_why(concern: Concern) -> None:
    with pytest.raises(UnsafeTextError) as refused:
        check_text(SAMPLES[concern], crisis=CRISIS)
    assert refused.value.concern is concern
    assert "safe-messaging" in refused.value.message
    assert "Nothing was saved" in refused.value.message


def test_every_rule_has_a_concern_with_a_sentence() -> None:
    from bot.snippets import SAFE_MESSAGING_REASONS

    assert {concern for _pattern, concern in RULES} == set(Concern)
    assert set(SAFE_MESSAGING_REASONS) == set(Concern)


def test_markdown_cannot_split_a_word_the_rules_look_for() -> None:
    assert first_breach("Don't **hang**ing around") is not None
    assert first_breach("you need *an* IOP") is not None
    with pytest.raises(UnsafeTextError):
        check_text("The ~~addict~~s", crisis=CRISIS)


def test_the_refusal_names_the_words_as_written() -> None:
    with pytest.raises(UnsafeTextError) as refused:
        check_text("We were Hanging Out", crisis=CRISIS)
    assert "“Hanging”" in refused.value.message


def test_warm_text_passes() -> None:
    text = (
        "Hi {member}, I'm {staff} from {server}. Thank you for reaching out.\n"
        "If things get hard before we talk:\n{crisis}\n{hours}"
    )
    assert check_text(text, crisis=CRISIS) == text


# --------------------------------------------------------------------------- length


def _of_worst(length: int, *, with_placeholders: bool = True) -> str:
    """A text whose worst length once sent is exactly ``length``."""
    tail = " {member}{staff}{server}{crisis}{hours}" if with_placeholders else ""
    base = worst_length(tail, crisis=CRISIS) if tail else PREFIX_WORST
    return "a" * (length - base) + tail


def test_the_worst_case_counts_each_placeholder_at_its_longest() -> None:
    assert worst_length("", crisis=CRISIS) == PREFIX_WORST
    assert worst_length("ab", crisis=CRISIS) == PREFIX_WORST + 2
    worst = {
        Placeholder.MEMBER: MEMBER_WORST,
        Placeholder.STAFF: NAME_WORST,
        Placeholder.SERVER: SERVER_WORST,
        Placeholder.CRISIS: len(CRISIS),
        Placeholder.HOURS: HOURS_WORST,
    }
    for placeholder, longest in worst.items():
        text = f"x{{{placeholder.value}}}y"
        assert worst_length(text, crisis=CRISIS) == PREFIX_WORST + 2 + longest, placeholder
        twice = f"{{{placeholder.value}}}{{{placeholder.value}}}"
        assert worst_length(twice, crisis=CRISIS) == PREFIX_WORST + 2 * longest, placeholder
    assert len(compose("x" * NAME_WORST, "")) == PREFIX_WORST
    assert len(f"<@{2**63 - 1}>") == MEMBER_WORST


@pytest.mark.parametrize("with_placeholders", [True, False])
def test_a_text_that_fits_exactly_is_kept_and_one_more_is_refused(
    with_placeholders: bool,
) -> None:
    fits = _of_worst(MESSAGE_LIMIT, with_placeholders=with_placeholders)
    assert worst_length(fits, crisis=CRISIS) == MESSAGE_LIMIT
    assert check_text(fits, crisis=CRISIS) == fits
    over = "a" + fits
    with pytest.raises(TextTooLongError) as refused:
        check_text(over, crisis=CRISIS)
    assert refused.value.worst == MESSAGE_LIMIT + 1
    assert "shorten it by 1 characters" in refused.value.message


def test_the_crisis_lines_count_as_they_are() -> None:
    longer = CRISIS + "x" * 100
    text = _of_worst(MESSAGE_LIMIT)
    with pytest.raises(TextTooLongError):
        check_text(text, crisis=longer)


def test_the_text_boundary_comes_first() -> None:
    with pytest.raises(TextRefusedError) as refused:
        check_text("a" * (TEXT_LIMIT + 1), crisis=CRISIS)
    assert "2,001 characters long; the limit is 2000" in refused.value.message
    with pytest.raises(TextRefusedError):
        check_text(" \u200b ", crisis=CRISIS)
    assert check_text("  line one\u200b\r\nline two  ", crisis=CRISIS) == "line one\nline two"


# --------------------------------------------------------------------------- what fills in


def test_hours_in_a_members_words() -> None:
    assert hours_text(Hours()) == "This group has no set hours: staff answer as soon as they can."
    assert hours_text(Hours(9, 17, frozenset({0, 1, 2, 3, 4}), "Europe/London")) == (
        "Staff are here 09:00–17:00 (Europe/London time), on Mon, Tue, Wed, Thu, Fri."
    )
    assert hours_text(Hours(22, 6)) == "Staff are here 22:00–06:00 (UTC time), every day."
    assert hours_text(Hours(0, 0, frozenset({5, 6}))) == (
        "Staff are here all day on Sat, Sun (UTC time)."
    )


def test_the_hours_are_never_longer_than_their_worst_case() -> None:
    zones = set(canonical_names()) | zoneinfo.available_timezones()
    six_days = frozenset(range(6))
    longest = max(len(hours_text(Hours(10, 11, six_days, zone))) for zone in zones)
    assert longest <= HOURS_WORST
    assert len(hours_text(Hours())) <= HOURS_WORST
    assert len(hours_text(Hours(3, 3, six_days, max(zones, key=len)))) <= HOURS_WORST


def test_the_crisis_lines_carry_every_line() -> None:
    resources = shipped_crisis()
    for resource in resources.region("US").lines:
        assert resource.name in CRISIS
        assert resource.contact in CRISIS
    assert "/crisis" in CRISIS
    assert first_breach(CRISIS) is None


# --------------------------------------------------------------------------- the service


async def test_add_get_list_edit_remove(snippets: SnippetService) -> None:
    added = await snippets.add(GUILD, name="welcome", body="Hi {member}!", now=NOW, crisis=CRISIS)
    assert (added.guild_id, added.name, added.body) == (GUILD, "welcome", "Hi {member}!")
    assert await snippets.get(GUILD, "welcome") == added
    assert await snippets.get(GUILD, " Welcome ") == added  # as typed, lowercased
    assert await snippets.by_id(GUILD, added.id) == added
    assert await snippets.count(GUILD) == 1

    later = NOW + dt.timedelta(hours=1)
    edited = await snippets.edit(
        GUILD, added.id, body="Hello {member}", now=later, crisis=CRISIS, new_name="hello"
    )
    assert edited.old_name == "welcome"
    assert (edited.snippet.name, edited.snippet.body) == ("hello", "Hello {member}")
    assert edited.snippet.created_at == NOW
    assert edited.snippet.updated_at == later
    assert await snippets.get(GUILD, "welcome") is None

    removed = await snippets.remove(GUILD, "hello")
    assert removed.id == added.id
    assert await snippets.count(GUILD) == 0
    with pytest.raises(SnippetNotFoundError):
        await snippets.remove(GUILD, "hello")
    with pytest.raises(SnippetGoneError):
        await snippets.edit(GUILD, added.id, body="x", now=later, crisis=CRISIS)


async def test_add_and_edit_check_the_text(snippets: SnippetService) -> None:
    with pytest.raises(UnsafeTextError):
        await snippets.add(GUILD, name="a", body=SAMPLES[Concern.LABEL], now=NOW, crisis=CRISIS)
    with pytest.raises(UnknownPlaceholderError):
        await snippets.add(GUILD, name="a", body="{nope}", now=NOW, crisis=CRISIS)
    with pytest.raises(BadNameError):
        await snippets.add(GUILD, name="A", body="fine", now=NOW, crisis=CRISIS)
    kept = await snippets.add(GUILD, name="a", body="fine", now=NOW, crisis=CRISIS)
    with pytest.raises(UnsafeTextError):
        await snippets.edit(GUILD, kept.id, body=SAMPLES[Concern.CARE], now=NOW, crisis=CRISIS)
    with pytest.raises(TextTooLongError):
        await snippets.edit(
            GUILD, kept.id, body=_of_worst(MESSAGE_LIMIT + 1), now=NOW, crisis=CRISIS
        )
    assert (await snippets.by_id(GUILD, kept.id)) == kept  # nothing was changed


async def test_names_are_unique_in_a_server(snippets: SnippetService, db: Database) -> None:
    first = await snippets.add(GUILD, name="welcome", body="one", now=NOW, crisis=CRISIS)
    with pytest.raises(DuplicateSnippetError):
        await snippets.add(GUILD, name="welcome", body="two", now=NOW, crisis=CRISIS)
    with pytest.raises(DuplicateSnippetError):
        await snippets.check_new(GUILD, "welcome")
    other = await snippets.add(GUILD, name="other", body="three", now=NOW, crisis=CRISIS)
    with pytest.raises(DuplicateSnippetError):
        await snippets.edit(GUILD, other.id, body="x", now=NOW, crisis=CRISIS, new_name="welcome")
    # Renaming to its own name is no clash.
    same = await snippets.edit(
        GUILD, first.id, body="one", now=NOW, crisis=CRISIS, new_name="welcome"
    )
    assert same.old_name == "welcome"
    # Another server may use the same name.
    await snippets.add(OTHER, name="welcome", body="four", now=NOW, crisis=CRISIS)

    def duplicate(c: sqlite3.Connection) -> None:
        c.execute(
            "INSERT INTO snippets (guild_id, name, body, created_at, updated_at) "
            "VALUES (?, 'welcome', 'raw', 0, 0)",
            (GUILD,),
        )

    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        await db.write(duplicate)


@pytest.mark.parametrize(
    ("name", "body"),
    [("Upper", "x"), ("x" * 33, "x"), ("", "x"), ("ok", ""), ("ok", "x" * (TEXT_LIMIT + 1))],
)
async def test_the_database_refuses_what_the_rules_refuse(
    db: Database, name: str, body: str
) -> None:
    def insert(c: sqlite3.Connection) -> None:
        c.execute(
            "INSERT INTO snippets (guild_id, name, body, created_at, updated_at) "
            "VALUES (?, ?, ?, 0, 0)",
            (GUILD, name, body),
        )

    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await db.write(insert)


async def test_the_cap_is_counted_per_server(snippets: SnippetService) -> None:
    for number in range(MAX_SNIPPETS - 1):
        await snippets.add(GUILD, name=f"n{number}", body="x", now=NOW, crisis=CRISIS)
    assert await snippets.check_new(GUILD, "last") == "last"  # one more fits
    await snippets.add(GUILD, name="last", body="x", now=NOW, crisis=CRISIS)
    assert await snippets.count(GUILD) == MAX_SNIPPETS
    with pytest.raises(TooManySnippetsError) as refused:
        await snippets.check_new(GUILD, "more")
    assert f"already has {MAX_SNIPPETS} saved replies" in refused.value.message
    with pytest.raises(TooManySnippetsError):
        await snippets.add(GUILD, name="more", body="x", now=NOW, crisis=CRISIS)
    assert await snippets.count(GUILD) == MAX_SNIPPETS
    # A full server fills no other; one removed makes room again.
    await snippets.add(OTHER, name="more", body="x", now=NOW, crisis=CRISIS)
    await snippets.remove(GUILD, "n0")
    await snippets.add(GUILD, name="more", body="x", now=NOW, crisis=CRISIS)


async def test_one_server_never_reaches_anothers(snippets: SnippetService) -> None:
    theirs = await snippets.add(OTHER, name="theirs", body="x", now=NOW, crisis=CRISIS)
    assert await snippets.get(GUILD, "theirs") is None
    assert await snippets.by_id(GUILD, theirs.id) is None
    assert await snippets.names(GUILD, "") == []
    assert (await snippets.listing(GUILD, page=0, size=10)).total == 0
    with pytest.raises(SnippetGoneError):
        await snippets.edit(GUILD, theirs.id, body="mine now", now=NOW, crisis=CRISIS)
    with pytest.raises(SnippetNotFoundError):
        await snippets.remove(GUILD, "theirs")
    assert await snippets.by_id(OTHER, theirs.id) == theirs  # untouched


async def test_names_for_autocomplete_put_those_starting_with_it_first(
    snippets: SnippetService,
) -> None:
    for name in ("welcome", "after-hours", "hours", "closing"):
        await snippets.add(GUILD, name=name, body="x", now=NOW, crisis=CRISIS)
    assert await snippets.names(GUILD, "hours") == ["hours", "after-hours"]
    assert await snippets.names(GUILD, "") == ["after-hours", "closing", "hours", "welcome"]
    assert await snippets.names(GUILD, "HOU") == ["hours", "after-hours"]
    assert await snippets.names(GUILD, "zzz") == []
    assert len(await snippets.names(GUILD, "", limit=2)) == 2


async def test_the_list_is_paged_and_clamped(snippets: SnippetService) -> None:
    for number in range(23):
        await snippets.add(
            GUILD, name=f"s{number:02d}", body=f"text {number}", now=NOW, crisis=CRISIS
        )
    first = await snippets.listing(GUILD, page=0, size=10)
    assert (first.total, first.page, first.pages) == (23, 0, 3)
    assert [s.name for s in first.snippets] == [f"s{n:02d}" for n in range(10)]
    last = await snippets.listing(GUILD, page=99, size=10)
    assert (last.page, [s.name for s in last.snippets]) == (2, ["s20", "s21", "s22"])
    assert (await snippets.listing(GUILD, page=-1, size=10)).page == 0
    empty = await snippets.listing(OTHER, page=3, size=10)
    assert (empty.total, empty.page, empty.pages, empty.snippets) == (0, 0, 1, ())


# --------------------------------------------------------------------------- edges for mutants


def test_a_name_refusal_is_one_clear_sentence() -> None:
    with pytest.raises(BadNameError) as refused:
        check_name("after hours")
    assert refused.value.message == (
        "“after hours” can't be the name of a saved reply: it has a space. A name is 1–32 "
        "lowercase letters, digits, - and _, like `welcome` or `after-hours`."
    )


def test_a_stray_brace_is_quoted_with_what_comes_before_it() -> None:
    text = "abcdefghij" * 3 + "}"
    with pytest.raises(StrayBraceError) as refused:
        placeholders(text)
    assert refused.value.fragment == text[-24:]
    with pytest.raises(StrayBraceError) as refused:
        placeholders("}tail")
    assert refused.value.fragment == "}"


@pytest.mark.parametrize("text", ["{{member}}", "{oops {member} {staff}", "{a{"])
def test_a_brace_opened_again_before_it_closes_is_unclosed(text: str) -> None:
    with pytest.raises(UnclosedBraceError) as refused:
        placeholders(text)
    assert refused.value.fragment == text[:24]


async def test_autocomplete_offers_at_most_25(snippets: SnippetService) -> None:
    for number in range(26):
        await snippets.add(GUILD, name=f"n{number:02d}", body="x", now=NOW, crisis=CRISIS)
    assert len(await snippets.names(GUILD, "")) == 25


async def test_a_duplicate_is_refused_by_name(snippets: SnippetService) -> None:
    await snippets.add(GUILD, name="welcome", body="x", now=NOW, crisis=CRISIS)
    other = await snippets.add(GUILD, name="other", body="x", now=NOW, crisis=CRISIS)
    for attempt in (
        snippets.check_new(GUILD, "welcome"),
        snippets.add(GUILD, name="welcome", body="x", now=NOW, crisis=CRISIS),
        snippets.edit(GUILD, other.id, body="x", now=NOW, crisis=CRISIS, new_name="welcome"),
    ):
        with pytest.raises(DuplicateSnippetError) as refused:
            await attempt
        assert "already has a saved reply named `welcome`" in refused.value.message


async def test_the_log_has_ids_and_never_the_text(
    snippets: SnippetService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="bot.snippets")
    added = await snippets.add(GUILD, name="welcome", body="SECRET words", now=NOW, crisis=CRISIS)
    await snippets.edit(GUILD, added.id, body="OTHER words", now=NOW, crisis=CRISIS)
    await snippets.remove(GUILD, "welcome")
    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        f"snippet.added guild={GUILD} id={added.id}",
        f"snippet.edited guild={GUILD} id={added.id}",
        f"snippet.removed guild={GUILD} id={added.id}",
    ]
    assert "words" not in caplog.text
