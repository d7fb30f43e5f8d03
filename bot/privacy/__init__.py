"""What the bot stores about members, in one registry, and the member's rights over it.

``REGISTRY`` lists every table that holds a member's Discord id, with every column: what it
is for, whether it is free text (encrypted), how long it is kept and how it is erased. The
member's rights are built on it, so a new table cannot be forgotten by one of them:

- ``collect`` / ``export_json``: everything stored about a member, decrypted for them, with a
  manifest of what is included and what is withheld (and why);
- ``erase``: deletes or anonymises every row for a member in one transaction (idempotent);
- ``purge_expired``: the retention rules (closed consultation notes, crisis matches).

``tests/test_privacy_registry.py`` reads the live schema after every migration and fails when
a table is not classified here, or a registered table's columns differ from the schema, or a
column that looks member-keyed (``member_keyed(name)``) is not a registered member column.

Adding a table that holds member ids:
1. add a ``Source`` to ``REGISTRY`` (children before the parents their ``owned_via`` names);
2. list every column: ``MemberColumn`` for ids of people, ``Column`` for everything else;
3. give it a ``Retention`` (``timestamp`` set only when a purge applies);
4. otherwise (no member ids), add the table to ``NO_MEMBER_DATA`` with the reason.

Its modules: ``registry`` (the sources, two of them from ``personal``), ``export`` (collect,
export), ``erasure`` (erase, pseudonyms), ``retention`` (purge) and ``notice`` (/privacy's
text); every public name is imported here, so callers write ``from bot.privacy import erase``.
This package never imports discord.
"""

from bot.privacy.erasure import (
    AuditEntry,
    ErasureReport,
    OpenItem,
    erase,
    known_in_server,
    pseudonym,
    pseudonym_key,
)
from bot.privacy.export import EXPORT_FORMAT, Cipher, collect, export_json, is_empty, parse_time
from bot.privacy.notice import NOTICE_FILE, NoticeSection, PrivacyNotice, load_privacy_notice
from bot.privacy.registry import (
    CHECKIN_OUTREACH,
    CHECKINS,
    CONSULT_BLOCKS,
    CONSULT_DM_LINKS,
    CONSULT_FOLLOW_UPS,
    CONSULTATION_ANSWERS,
    CONSULTATION_EVENTS,
    CONSULTATION_FEEDBACK,
    CONSULTATION_NOTES,
    CONSULTATIONS,
    CRISIS_MATCHES,
    ERASED_ID,
    MEETING_DM_OPTINS,
    MEMBER_SETTINGS,
    MILESTONES,
    NO_MEMBER_DATA,
    NOT_COLLECTED,
    ONCALL,
    REGISTRY,
    SAFETY_PLANS,
    Column,
    Kind,
    MemberColumn,
    NotCollected,
    OnErase,
    OpenItems,
    Retention,
    Source,
    member_keyed,
)
from bot.privacy.retention import PurgeReport, purge_expired, retention_cutoff

__all__ = [
    "CHECKINS",
    "CHECKIN_OUTREACH",
    "CONSULTATIONS",
    "CONSULTATION_ANSWERS",
    "CONSULTATION_EVENTS",
    "CONSULTATION_FEEDBACK",
    "CONSULTATION_NOTES",
    "CONSULT_BLOCKS",
    "CONSULT_DM_LINKS",
    "CONSULT_FOLLOW_UPS",
    "CRISIS_MATCHES",
    "ERASED_ID",
    "EXPORT_FORMAT",
    "MEETING_DM_OPTINS",
    "MEMBER_SETTINGS",
    "MILESTONES",
    "NOTICE_FILE",
    "NOT_COLLECTED",
    "NO_MEMBER_DATA",
    "ONCALL",
    "REGISTRY",
    "SAFETY_PLANS",
    "AuditEntry",
    "Cipher",
    "Column",
    "ErasureReport",
    "Kind",
    "MemberColumn",
    "NotCollected",
    "NoticeSection",
    "OnErase",
    "OpenItem",
    "OpenItems",
    "PrivacyNotice",
    "PurgeReport",
    "Retention",
    "Source",
    "collect",
    "erase",
    "export_json",
    "is_empty",
    "known_in_server",
    "load_privacy_notice",
    "member_keyed",
    "parse_time",
    "pseudonym",
    "pseudonym_key",
    "purge_expired",
    "retention_cutoff",
]
