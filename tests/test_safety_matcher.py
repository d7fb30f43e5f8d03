"""The crisis-language matcher on its own: true positives, obfuscations, false positives.

Policy (also in data/crisis_phrases.toml and the README): a false positive costs one kind
reply and a quiet note to staff; a miss can cost far more. So first-person statements of
intent match, including slang and jokes that still count; figures of speech do not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import ContentError
from bot.safety import Category, CrisisMatcher, Level, Match
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def matcher() -> CrisisMatcher:
    return CrisisMatcher.from_content_dir(PROJECT_ROOT / "data")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I want to kill myself", Category.ACTIVE),
        ("honestly i just want to die", Category.ACTIVE),
        # New policy (issue 14): not wanting to be alive is a passive wish (concern).
        ("I don't want to be alive anymore", Category.PASSIVE),
        # New policy (issue 14): feeling a burden is its own category, at concern level.
        ("everyone would be better off without me", Category.BURDEN),
        ("I've been feeling suicidal again", Category.ACTIVE),
        ("thinking about ending my life tonight", Category.ACTIVE),
        # New policy: hurting oneself is self-harm, not wanting to die.
        ("i keep getting the urge to hurt myself", Category.SELF_HARM),
        # Slang and jokes still count: a joke about it is often how it first comes up.
        ("ugh kms", Category.ACTIVE),
        ("this week lol kms", Category.ACTIVE),
        ("gonna unalive myself fr", Category.ACTIVE),
        ("kill me now", Category.ACTIVE),
        # Means tied to oneself.
        # New policy: pills and overdose intent are the overdose category (both high).
        ("I'm going to take all my pills", Category.OVERDOSE),
        ("been saving up my pills", Category.OVERDOSE),
        # Overdose and other means, first person, with or without the subject (recovery group:
        # these matter most).
        ("I want to overdose", Category.OVERDOSE),
        ("gonna od tonight", Category.OVERDOSE),
        ("GONNA OD", Category.OVERDOSE),
        ("going to overdose", Category.OVERDOSE),
        ("i keep thinking about overdosing", Category.OVERDOSE),
        ("thinking of jumping off a bridge", Category.METHOD),
        ("i wanna jump off the bridge", Category.METHOD),
        # "Can't go on": apostrophes vanish, so "cant" and "can't" both have to work. New policy
        # (issue 14): not being able to go on is hopelessness and entrapment (concern).
        ("cant go on anymore", Category.HOPELESS),
        ("I can't go on anymore", Category.HOPELESS),
        ("i can’t go on any longer", Category.HOPELESS),
        ("can't go on", Category.HOPELESS),
        ("I just cant go on...", Category.HOPELESS),
        # ...also at the end of a sentence, with more after it.
        ("can't go on. Everything hurts.", Category.HOPELESS),
        # (Both concern; feeling one would not be missed is reported before hopelessness.)
        ("i cant go on!\nnobody would even notice", Category.BURDEN),
        ("I can't go on; I'm done", Category.HOPELESS),
        # Dotted abbreviations.
        ("gonna o.d. tonight", Category.OVERDOSE),
        ("I want to O.D.", Category.OVERDOSE),
        ("I want to O.D.!", Category.OVERDOSE),
        ("gonna o.d., tonight", Category.OVERDOSE),
        ("i want to (o.d.)", Category.OVERDOSE),
        # New policy: not wanting to live is a passive wish (concern).
        ("dont want to live", Category.PASSIVE),
        # Several categories: the most direct one is reported.
        ("I want to die, kms", Category.ACTIVE),
    ],
)
def test_true_positives(matcher: CrisisMatcher, text: str, category: Category) -> None:
    found = matcher.match(text)
    assert found is not None, text
    assert found.category == category


@pytest.mark.parametrize(
    "text",
    [
        "I want to k!ll myself",  # look-alike inside a word
        "I want to k1ll mys3lf",  # leetspeak, 1 read as i
        "i want to ki11 myse1f",  # leetspeak, 1 read as l
        "I WANT TO KILL MYSELF",  # case
        "I want to ｋｉｌｌ ｍｙｓｅｌｆ",  # full-width (NFKC)
        "I want to ki\u200bll my\u200dself",  # zero-width characters
        "I want to kіll myself",  # Cyrillic і
        "k i l l  m y s e l f",  # spaced-out letters
        "k.i.l.l m.y.s.e.l.f",  # dotted letters
        "killmyself",  # no space
        "I want to kiiiilllll myseeelf",  # stretched letters
        "want to d-i-e",  # hyphenated letters
        "Want To Die!!!",  # trailing punctuation stays punctuation
        "$uicidal",  # dollar for s
        "K M S",  # spaced slang
        "𝐤𝐦𝐬",  # mathematical bold (NFKC)
        "su1c1dal",
        "gonna 0d tonight",  # zero for o
        "wanna oooood",  # stretched
        "I can`t go on",  # backtick apostrophe
    ],
)
def test_obfuscated_variants_still_match(matcher: CrisisMatcher, text: str) -> None:
    assert matcher.match(text) is not None, text


@pytest.mark.parametrize(
    "text",
    [
        # Figures of speech: not listed, so never matched (policy).
        "this traffic is killing me",
        "I'd die for pizza",
        "I'm dying of laughter",
        "you killed it at the meeting!",
        "the suspense is killing me",
        "I could kill for a coffee",
        "that cake is to die for",
        "my phone died again",
        "just killing time before group",
        # Everyday recovery and injury talk that shares words (policy: left out on purpose).
        "I'm taking my life back one day at a time",
        "cut myself some slack today",
        "I hurt myself at the gym",
        "took my pills this morning like the doctor said",
        "I nearly killed myself laughing",  # set phrase on the ignore list
        "we talked about suicide prevention week",  # ignore list
        # Overdose as a topic, not an intent (policy: no intent phrase, no match).
        "overdose risk after a break",
        "we talked about overdose at the meeting",
        "narcan reverses an overdose",
        "how to spot an overdose and call for help",
        "my OD is set to 5 on the amp",
        # "Can't go on" followed by something else is everyday speech (policy: at_end only),
        # and "like this" is most often a wish to change.
        "I can't go on like this at work",
        "I can't go on the trip this weekend",
        "cant go on tuesday, sorry",
        "I can't go on the trip. See you at group!",
        "my O.D. is set to 5 on the amp",
        # Bridges: the schoolyard line and bungee jumping (ignore list).
        "if your friends jumped off a bridge would you?",
        "bungee jumping off a bridge was amazing",
        # Whole words only.
        "I need to skill myself up",
        "kmsg is a linux log",
        # Ordinary messages.
        "good morning everyone, day 12 today",
        "",
        "   ",
    ],
)
def test_false_positives_do_not_match(matcher: CrisisMatcher, text: str) -> None:
    assert matcher.match(text) is None, text


@pytest.mark.parametrize(
    "text",
    [
        # These were accepted matches under the phrase list. New policy (issue 14): negated and
        # third-person language does not alert (the eval set's helping_others negatives).
        "I don't want to overdose, fentanyl is everywhere",
        "I'm scared my brother is going to overdose",
        "we can't go on. The venue is closed",
    ],
)
def test_negated_and_third_person_overdose_talk_does_not_alert(
    matcher: CrisisMatcher, text: str
) -> None:
    assert matcher.match(text) is None, text


def test_normalisation_steps(matcher: CrisisMatcher) -> None:
    def normalise(text: str) -> str:
        return matcher.normaliser.read(text).text.strip()

    assert normalise("ＫＩＬＬ") == "kill"
    assert normalise("k\u200bi\u200bl\u200bl") == "kill"
    assert normalise("I am ok") == "i am ok"
    assert normalise("Hello!!!") == "hello ."
    assert normalise("ki11 myse1f") == "ki myseif"
    assert matcher.normaliser.read("ki11 myse1f", one="l").text.strip() == "kill myself"


def test_a_match_holds_no_text(matcher: CrisisMatcher) -> None:
    found = matcher.match("I want to die SENTINEL-TEXT")
    assert found is not None
    assert "SENTINEL" not in repr(found)
    assert set(vars(found)) == {"category", "level"}


# ------------------------------------------------------------- issue 14: by category

# Ways of saying it, a few per category, written for these tests (not taken from the
# evaluation set). Each is found at its category's level.
BY_CATEGORY: list[tuple[str, Category]] = [
    ("tbh i wish i could go to sleep and just not wake up", Category.PASSIVE),
    ("lately i keep hoping i just dont wake up in the morning", Category.PASSIVE),
    ("i really dont want to be alive anymore", Category.PASSIVE),
    ("part of me wishes id never been born", Category.PASSIVE),
    ("itd be a relief if i just stopped existing", Category.PASSIVE),
    ("i wouldnt mind if i died in a car accident honestly", Category.PASSIVE),
    ("some days i just want to stop existing", Category.PASSIVE),
    ("i hate being alive so much", Category.PASSIVE),
    ("i want to kill myself tonight", Category.ACTIVE),
    ("been having suicidal thoughts all week", Category.ACTIVE),
    ("i keep thinking about ending my life", Category.ACTIVE),
    ("honestly just wanna end it all", Category.ACTIVE),
    ("i'm going to end my life", Category.ACTIVE),
    ("ive been seriously considering suicide", Category.ACTIVE),
    ("i want to die so bad", Category.ACTIVE),
    ("thinking about offing myself", Category.ACTIVE),
    ("been looking at the bridge near my house and thinking about jumping", Category.METHOD),
    ("i keep staring at my pills thinking about how many it would take", Category.METHOD),
    ("im gonna hang myself", Category.METHOD),
    ("thinking of driving my car into a wall on the highway", Category.METHOD),
    ("i bought a rope and its in my closet", Category.METHOD),
    ("how many tylenol would it take to die", Category.METHOD),
    ("i want to jump off the roof of my building", Category.METHOD),
    ("found my dads gun and i keep thinking about using it on myself", Category.METHOD),
    ("i have a plan and im doing it friday", Category.PLAN),
    ("tonight is the night, ive made up my mind", Category.PLAN),
    ("i wont be here by next week", Category.PLAN),
    ("already picked the date, its going to be this weekend", Category.PLAN),
    ("im going to end it tomorrow after work", Category.ACTIVE),
    ("i know exactly how and when im going to do it", Category.PLAN),
    ("gonna do it tonight when everyones asleep", Category.PLAN),
    ("wrote my note, im ready", Category.PLAN),
    ("this is goodbye everyone, thank you for everything", Category.FAREWELL),
    ("please take care of my cat when im gone", Category.FAREWELL),
    ("ive been giving away all my stuff, i wont need it", Category.FAREWELL),
    ("by the time you read this ill be gone", Category.FAREWELL),
    ("goodbye forever, love you all", Category.FAREWELL),
    ("just wanted to say goodbye to everyone here before i go", Category.FAREWELL),
    ("dont look for me, its better this way", Category.FAREWELL),
    ("you wont hear from me again after tonight", Category.FAREWELL),
    ("everyone would be better off without me", Category.BURDEN),
    ("im such a burden to my family", Category.BURDEN),
    ("nobody would even notice if i was gone", Category.BURDEN),
    ("my kids would be happier without me around", Category.BURDEN),
    ("i feel like a waste of space", Category.BURDEN),
    ("no one would care if i disappeared", Category.BURDEN),
    ("all i do is let everyone down", Category.BURDEN),
    ("i dont belong anywhere", Category.BURDEN),
    ("theres no way out of this", Category.HOPELESS),
    ("nothing is ever going to get better", Category.HOPELESS),
    ("i feel completely hopeless", Category.HOPELESS),
    ("i cant see a future for myself", Category.HOPELESS),
    ("whats the point of even trying anymore", Category.HOPELESS),
    ("i cant keep going like this anymore", Category.HOPELESS),
    ("its never going to change, i give up on life", Category.HOPELESS),
    ("i feel so trapped in my own head", Category.HOPELESS),
    ("i cut myself again last night", Category.SELF_HARM),
    ("the urge to cut is so strong tonight", Category.SELF_HARM),
    ("relapsed on sh after 4 months", Category.SELF_HARM),
    ("i keep burning myself with a lighter", Category.SELF_HARM),
    ("i want to hurt myself so bad rn", Category.SELF_HARM),
    ("been self harming again", Category.SELF_HARM),
    ("i scratched my arm until it bled", Category.SELF_HARM),
    ("i punched the wall until my knuckles bled on purpose", Category.SELF_HARM),
    ("gonna take all my pills at once tonight", Category.OVERDOSE),
    ("i want to overdose", Category.OVERDOSE),
    ("im gonna shoot up everything i have and hope i dont wake up", Category.OVERDOSE),
    ("i dont care if i od tonight", Category.OVERDOSE),
    ("been saving up my xanax for a while now", Category.OVERDOSE),
    ("hope this batch is laced tbh", Category.OVERDOSE),
    ("gonna drink until i stop breathing", Category.OVERDOSE),
    ("i want to od and be done with it", Category.OVERDOSE),
    ("honestly wouldnt be upset if i didnt make it through the night", Category.PASSIVE),
    ("i just want to not exist for a while. or forever", Category.PASSIVE),
    ("sometimes i think dying would be easier than this", Category.PASSIVE),
    ("i keep wishing i was never born", Category.PASSIVE),
    ("if i got hit by a bus tomorrow id be fine with it", Category.PASSIVE),
    ("i think about killing myself every single day", Category.ACTIVE),
    ("i wanna end my life i'm so tired", Category.ACTIVE),
    ("i'm seriously thinking of taking my own life", Category.ACTIVE),
    ("suicide feels like the only option left", Category.ACTIVE),
    ("part of me wants to just kill myself and be done", Category.ACTIVE),
    ("ive been looking up how many pills would be lethal", Category.METHOD),
    ("gonna jump off the overpass tonight", Category.METHOD),
    ("i keep picturing the rope around my neck", Category.METHOD),
    ("thinking about slitting my wrists again", Category.METHOD),
    ("i have a loaded gun next to me right now", Category.METHOD),
    ("this weekend is when i'm going to do it", Category.PLAN),
    ("ive got it all planned out, friday night", Category.PLAN),
    ("i won't be alive by christmas", Category.PLAN),
    ("i decided im ending it tonight", Category.ACTIVE),
    ("tomorrow is my last day, ive made my choice", Category.PLAN),
    ("goodbye to all of you, thank you for trying to help me", Category.FAREWELL),
    ("i gave my dog to my sister because i wont be around to take care of him", Category.FAREWELL),
    ("please tell my mom im sorry", Category.FAREWELL),
    ("im signing off for good this time", Category.FAREWELL),
    ("this is my last post here. take care of each other", Category.FAREWELL),
    ("my family would honestly be better without me", Category.BURDEN),
    ("i am nothing but a burden to everyone who knows me", Category.BURDEN),
    ("no one would miss me if i were gone", Category.BURDEN),
    ("im a waste of oxygen", Category.BURDEN),
    ("they'd all be relieved if i disappeared", Category.BURDEN),
    ("nothing will ever change for me", Category.HOPELESS),
    ("i feel like there's no hope left at all", Category.HOPELESS),
    ("i'm stuck and there's no way out of this", Category.HOPELESS),
    ("i honestly see no future for me", Category.HOPELESS),
    ("what's the point of any of this anymore", Category.HOPELESS),
    ("i started cutting again tonight", Category.SELF_HARM),
    ("i burned my arm with a cigarette on purpose", Category.SELF_HARM),
    ("i really want to cut right now", Category.SELF_HARM),
    ("i hit myself until i bruised", Category.SELF_HARM),
    ("relapsed on self harm last night after 90 days", Category.SELF_HARM),
    ("i'm going to take every pill in the house", Category.OVERDOSE),
    ("shooting up more than usual tonight and i dont care what happens", Category.OVERDOSE),
    ("hoping the next hit kills me", Category.OVERDOSE),
    ("i dont care if i wake up after this bag", Category.OVERDOSE),
    ("im gonna overdose on purpose tonight", Category.OVERDOSE),
    ("i just dont want to wake up tomorrow", Category.PASSIVE),
    ("lowkey hoping i dont survive this surgery", Category.PASSIVE),
    ("life feels pointless and i wish it would just end", Category.HOPELESS),
    ("some nights i pray god takes me in my sleep", Category.PASSIVE),
    ("i'm tired of existing honestly", Category.PASSIVE),
    ("i want to die. like actually", Category.ACTIVE),
    ("ngl ive been wanting to kill myself for weeks", Category.ACTIVE),
    ("i think im going to kill myself", Category.ACTIVE),
    ("planning my suicide has become a daily thing", Category.ACTIVE),
    ("i really want to end it all tonight", Category.ACTIVE),
    ("i've been thinking about hanging myself in the garage", Category.METHOD),
    ("standing on the bridge right now", Category.METHOD),
    ("looking up how to overdose on my meds", Category.OVERDOSE),
    ("ive got a razor and im thinking about my wrists", Category.SELF_HARM),
    ("might just step in front of a bus on the way home", Category.METHOD),
    ("im doing it on sunday after everyone leaves", Category.PLAN),
    ("this is my last night, i've decided", Category.PLAN),
    ("i'll be gone before the weekend", Category.PLAN),
    ("made my plan. tonight at midnight", Category.PLAN),
    ("i already wrote the note and picked the spot", Category.PLAN),
    ("thanks for everything guys, this is goodbye for real", Category.FAREWELL),
    ("i've given my cat away and said my goodbyes", Category.FAREWELL),
    ("if anyone reads this, i'm sorry, it wasn't anyone's fault", Category.FAREWELL),
    ("please look after my kids when i'm gone", Category.FAREWELL),
    ("bye everyone, you won't see me again", Category.FAREWELL),
    ("im just dead weight to everyone around me", Category.BURDEN),
    ("my family deserves better than me", Category.BURDEN),
    ("if i was gone nobody would even care", Category.BURDEN),
    ("i only make everyones life harder", Category.BURDEN),
    ("everyone would be better off if i just disappeared", Category.BURDEN),
    ("i'll never get clean, there's no point", Category.HOPELESS),
    ("my life is never going to get better", Category.HOPELESS),
    ("i'm completely out of hope", Category.HOPELESS),
    ("i feel like im drowning and theres no way out", Category.HOPELESS),
    ("i can't take this anymore, nothing helps", Category.HOPELESS),
    ("ive been cutting my thighs so no one sees", Category.SELF_HARM),
    ("i want to burn myself again", Category.SELF_HARM),
    ("had a bad night and hurt myself on purpose", Category.SELF_HARM),
    ("my urges to self harm are really bad today", Category.SELF_HARM),
    ("i keep hitting my head against the wall", Category.SELF_HARM),
    ("i'm going to take all of my sleeping pills tonight", Category.OVERDOSE),
    ("if i od tonight so be it", Category.OVERDOSE),
    ("gonna use alone tonight so nobody can narcan me", Category.OVERDOSE),
    ("i want to do enough to not wake up", Category.METHOD),
    ("hoping this bag is the one that finally kills me", Category.OVERDOSE),
]


@pytest.mark.parametrize(("text", "category"), BY_CATEGORY)
def test_each_category_is_found_at_its_level(
    matcher: CrisisMatcher, text: str, category: Category
) -> None:
    assert matcher.match(text) == Match.of(category), text


DISGUISED = [
    "i wanna k!ll myself",
    "su1c1dal again",
    "ive been thinking about s*icide a lot",
    "i want to d i e",
    "kms fr",
    "thinking of unaliving myself",
    "sewer slide is looking good",
    "i w4nt t0 d1e",
]


@pytest.mark.parametrize("text", DISGUISED)
def test_disguised_forms_are_read_as_what_they_mean(matcher: CrisisMatcher, text: str) -> None:
    found = matcher.match(text)
    assert found is not None, text
    assert found.level is Level.HIGH, text


EDGES = [
    # Negation (but 'i dont want to be alive' alerts: see BY_CATEGORY).
    "i dont want to die, i want to get better",
    "i would never kill myself, i have kids",
    "im not suicidal just really tired",
    "i dont want to drink today",
    # Recovery stories told in the past tense.
    "i used to want to die every day when i was drinking",
    "5 years ago i tried to kill myself, now im 3 years sober",
    "back in active addiction i overdosed twice",
    "there was a time i thought everyone would be better off without me",
    # Third person, and questions about helping someone else.
    "my friend said he wants to kill himself, what should i do",
    "my brother overdosed last year and i miss him",
    "how do i help someone who is suicidal",
    "my sponsee says she feels like a burden, any advice?",
    # Crisis resources quoted to others.
    "if youre feeling suicidal please call or text 988",
    "reminder the crisis line is 988 for anyone who needs it",
    "anyone thinking about suicide can text home to 741741",
    # Figures of speech, overwork idioms and jokes.
    "this homework is killing me",
    "im dying to see the new movie",
    "i could just die of embarrassment lol",
    "that workout killed me",
    "i'm dead tired after my shift",
    "ugh my phone died again",
    "kill me now this meeting is so long lol",
    "i'm so done with this traffic",
    # Everyday recovery talk that shares words with crisis language.
    "ran 5 kms this morning and feel great",
    "took my meds and went to my meeting",
    "picked up narcan at the pharmacy just in case",
    "bye everyone see you thursday",
    "i cut my hair short today",
    "i burned myself cooking dinner lol",
    "hung out with my sponsor today",
    "im taking my life back one day at a time",
    "in the end it all worked out",
    "proud of myself for 30 days",
    "i hurt myself at the gym",
    "got my 1 year chip today",
    "the end of the movie was sad",
    "we talked about overdose prevention at group",
    "i have a plan for the weekend, going hiking",
    "tonight is the night, first date in years",
    "gave away my old clothes to goodwill",
    "wrote a letter to my younger self for step work",
    # More edges of each kind.
    "i don't want to die, i want my life back",
    "i would never hurt myself, i promise",
    "not suicidal, just exhausted from work",
    "when i was using i wanted to die all the time. today im grateful",
    "three years ago i overdosed on purpose, today im a peer counselor",
    "i used to cut myself in high school",
    "my cousin is suicidal and im scared for her",
    "how do i support a friend who wants to end their life",
    "my dad died of an overdose in 2019",
    "if you ever feel like killing yourself please call 988",
    "the hotline for anyone who is suicidal is 988",
    "this cold is killing me",
    "i'm dead lol that meme",
    "i'd kill for a nap right now",
    "my feet are killing me after that shift",
    "this week is going to be the death of me",
    "finished a 10 km run this morning",
    "took all my meds this morning like i'm supposed to",
    "gonna hang the new picture in the living room",
    "i'm done with my homework finally",
    "see you all at the tuesday meeting, bye everyone",
    "keep narcan on you, it saves lives",
    "cut myself a piece of cake to celebrate 60 days",
    "burned myself on the stove making eggs",
    "i'm so tired, long shift today",
    "i have a plan to go back to school next year",
    "tonight's the big game, can't wait",
    "i gave away my old bike to a kid in the neighborhood",
    "last time i checked the meeting was at 7",
    "i'm at peace with my decision to get sober",
    "i dont want to die, thats why im here",
    "i'm not going to hurt myself, just need to vent",
    "back when i was drinking i wanted to die every morning",
    "i tried to overdose 6 years ago and it changed my life",
    "my roommate keeps saying he wants to die, what do i do",
    "how do you help someone who self harms",
    "my son overdosed last month, he survived thank god",
    "if you're having thoughts of suicide, call 988 any time",
    "i almost died laughing at that",
    "ugh kill me, mondays are the worst lol",
    "that exam destroyed me, im dead",
    "i could sleep forever after that shift",
    "bye everyone, see you at the 7pm meeting",
    "ran 8 kms today, new record",
    "thanks for everything this week guys, you're the best",
    "i'm done with my shift, heading home",
    "my plan is to hit a meeting every day this week",
    "took my pills and went to bed early",
    "i gave my old phone to my nephew",
    "wrote a gratitude letter to my sponsor",
    "the last time i drank was 2 years ago",
    "i'm tired but proud of myself",
    "hanging in there, one day at a time",
    "cut back on coffee this week",
    "i burned the toast lol",
    "keep your narcan kit up to date everyone",
    "tonight is the night we celebrate my 1 year",
    "sorry for being late to the meeting",
    "got rid of all the alcohol in my house",
    "i dont care what people think about my recovery",
]


@pytest.mark.parametrize("text", EDGES)
def test_edges_do_not_alert(matcher: CrisisMatcher, text: str) -> None:
    found = matcher.match(text)
    assert found is None or found.level is Level.CUE, (text, found)


# ------------------------------------------------------------------ issue 14: bugs fixed


@pytest.mark.parametrize(
    "text",
    [
        # Collapsing doubled letters read "of myself" as the listed "off myself".
        "so proud of myself today",
        "i need to take care of myself this week",
        "i was ashamed of myself but not anymore",
        # "kms" is also kilometres.
        "ran 5 kms before the meeting",
        "did 10 kms on the bike, feeling good",
        # "end it all" inside "in the end it all worked out".
        "in the end it all worked out",
    ],
)
def test_phrase_list_false_alarms_are_gone(matcher: CrisisMatcher, text: str) -> None:
    assert matcher.match(text) is None, text


def test_stretched_letters_still_read_off_myself(matcher: CrisisMatcher) -> None:
    assert matcher.match("gonna offfff myself") == Match.of(Category.ACTIVE)
    assert matcher.match("ugh kms") == Match.of(Category.ACTIVE)


def test_crisis_words_at_the_very_end_of_a_4000_character_message_are_found(
    matcher: CrisisMatcher,
) -> None:
    ordinary = "Went to my home group tonight and we read from the book. "
    text = (ordinary * 80)[: 4000 - len("I want to kill myself")] + "I want to kill myself"
    assert len(text) == 4000
    assert matcher.match(text) == Match.of(Category.ACTIVE)
    assert matcher.match(text.replace("I want to kill myself", "I want to go home now")) is None


def test_the_most_severe_match_wins(matcher: CrisisMatcher) -> None:
    # Hopelessness (concern), then a plan (high): the plan is reported.
    found = matcher.match("nothing is ever going to get better. i have a plan and its tonight")
    assert found is not None
    assert found.level is Level.HIGH
    # A cue alone stays a cue; the short memory (bot.safety.memory) may raise it.
    assert matcher.match("bye everyone") == Match.of(Category.AMBIGUOUS)
    assert matcher.match("i cant do this anymore") == Match.of(Category.AMBIGUOUS)


def test_a_goodbye_next_to_despair_in_one_message_is_a_farewell(matcher: CrisisMatcher) -> None:
    assert matcher.match("im done. goodbye everyone") == Match.of(Category.FAREWELL)
    assert matcher.match("bye everyone, see you thursday") is None


def test_explain_names_the_pattern_for_whoever_edits_the_file(matcher: CrisisMatcher) -> None:
    assert matcher.explain("i want to kill myself")[0].startswith("active: ")
    assert matcher.explain("good morning") == []


# ------------------------------------------------------------ the data file is validated

CATEGORY_SECTIONS = [category.value for category in Category]


def _minimal(**patterns: str) -> str:
    """A small valid data file; ``patterns`` replaces a category's one pattern."""
    lines = [
        "[words]",
        'want = ["want to", "wanna"]',
        "[guards]",
        *(f'{name} = ["zzzz"]' for name in GUARDED),
    ]
    for section in CATEGORY_SECTIONS:
        pattern = patterns.get(section, f"qqqq {section}")
        lines += [f"[{section}]", 'description = "d"', f"patterns = [{pattern!r}]"]
    return "\n".join(lines) + "\n"


GUARDED = ("others", "negation", "past", "between", "story", "resources", "addressed")
GUARDED += ("helping", "referents")


def test_a_minimal_data_file_loads(tmp_path: Path) -> None:
    (tmp_path / "crisis_phrases.toml").write_text(_minimal(passive="{want} vanish"))
    matcher = CrisisMatcher.from_content_dir(tmp_path)
    assert matcher.match("i wanna vanish") == Match.of(Category.PASSIVE)
    assert matcher.match("qqqq plan") == Match.of(Category.PLAN)


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        (
            {"active": "want to {nope}"},
            "`active.patterns.0`: the pattern 'want to {nope}' uses the list {nope}, which "
            "[words] does not have.",
        ),
        (
            {"plan": "[only] [optional]"},
            "`plan.patterns.0`: the pattern '[only] [optional]' needs at least one word that "
            "is not optional.",
        ),
        (
            {"burden": "Want (to) die"},
            "`burden.patterns`: pattern 1 ('Want (to) die') may use only lowercase letters, "
            "digits, spaces and { } [ ] | ! < . $ ^.",
        ),
    ],
)
def test_a_broken_pattern_stops_start_up_with_one_sentence(
    tmp_path: Path, patterns: dict[str, str], message: str
) -> None:
    path = tmp_path / "crisis_phrases.toml"
    path.write_text(_minimal(**patterns))
    with pytest.raises(ContentError) as error:
        CrisisMatcher.from_content_dir(tmp_path)
    assert str(error.value).startswith(f"The content file {path} has a problem at ")
    assert str(error.value).endswith(message)


def test_a_combination_must_name_known_signals(tmp_path: Path) -> None:
    path = tmp_path / "crisis_phrases.toml"
    path.write_text(_minimal() + '[[combine]]\nwhen = ["passive", "goodbye"]\ncategory = "plan"\n')
    with pytest.raises(ContentError, match="'goodbye', which is neither a category nor a"):
        CrisisMatcher.from_content_dir(tmp_path)
