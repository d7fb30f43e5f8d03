"""The one wiring point: every repository and service, built once when storage opens.

``SupportBot`` owns one ``Services`` from the start and opens it with the database
(``SupportBot.open_database``); each cog receives it in its constructor and keeps it. Nothing
else builds a repository or a service. Until storage is open (an extension loaded only to
inspect its commands), reaching a service raises, as ``SupportBot.db`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.checkin_outreach import OutreachService
from bot.checkins import CheckinService
from bot.consultations import (
    ConsultationService,
    ConsultBlockService,
    ConsultTypeService,
    DmRequestService,
    FeedbackService,
    FollowUpService,
    HoursService,
    IntakeService,
    OnCallService,
    QuietService,
)
from bot.crisis_regions import CrisisRegions, MemberRegions
from bot.crypto import Cipher
from bot.db import Database
from bot.guild_config import GuildConfigRepository
from bot.i18n.members import MemberLanguages
from bot.meetings import MeetingOptins, ReminderLog
from bot.milestones import MilestoneRepository
from bot.safety import CrisisMatchLog
from bot.safety_plan import SafetyPlanService
from bot.snippets import SnippetService
from bot.state import BotState


@dataclass(frozen=True)
class _Built:
    configs: GuildConfigRepository
    consultations: ConsultationService
    consult_blocks: ConsultBlockService
    consult_types: ConsultTypeService
    dm_requests: DmRequestService
    intake: IntakeService
    oncall: OnCallService
    hours: HoursService
    follow_ups: FollowUpService
    quiet: QuietService
    feedback: FeedbackService
    checkins: CheckinService
    outreach: OutreachService
    safety_plans: SafetyPlanService
    milestones: MilestoneRepository
    state: BotState
    crisis_log: CrisisMatchLog
    meeting_optins: MeetingOptins
    reminder_log: ReminderLog
    snippets: SnippetService
    regions: CrisisRegions
    languages: MemberLanguages


class Services:
    """What the cogs use to reach storage; see the module docstring."""

    def __init__(self, *, retention_days: int) -> None:
        self._retention_days = retention_days
        self._built: _Built | None = None

    def open(self, db: Database, cipher: Cipher) -> None:
        """Build everything on the newly opened database (again after a reopen)."""
        configs = GuildConfigRepository(db)
        self._built = _Built(
            configs=configs,
            consultations=ConsultationService(db, cipher),
            consult_blocks=ConsultBlockService(db, cipher),
            consult_types=ConsultTypeService(db),
            dm_requests=DmRequestService(db),
            intake=IntakeService(db, cipher),
            oncall=OnCallService(db),
            hours=HoursService(db),
            follow_ups=FollowUpService(db, cipher),
            quiet=QuietService(db, cipher),
            feedback=FeedbackService(db, cipher),
            checkins=CheckinService(db, cipher),
            outreach=OutreachService(db),
            safety_plans=SafetyPlanService(db, cipher),
            milestones=MilestoneRepository(db, cipher),
            state=BotState(db),
            crisis_log=CrisisMatchLog(db, retention_days=self._retention_days),
            meeting_optins=MeetingOptins(db),
            reminder_log=ReminderLog(db),
            snippets=SnippetService(db),
            regions=CrisisRegions(MemberRegions(db), configs),
            languages=MemberLanguages(db),
        )

    def _get(self) -> _Built:
        if self._built is None:
            raise RuntimeError("the database is not open")
        return self._built

    @property
    def configs(self) -> GuildConfigRepository:
        return self._get().configs

    @property
    def consultations(self) -> ConsultationService:
        return self._get().consultations

    @property
    def consult_blocks(self) -> ConsultBlockService:
        return self._get().consult_blocks

    @property
    def consult_types(self) -> ConsultTypeService:
        return self._get().consult_types

    @property
    def dm_requests(self) -> DmRequestService:
        return self._get().dm_requests

    @property
    def intake(self) -> IntakeService:
        return self._get().intake

    @property
    def oncall(self) -> OnCallService:
        return self._get().oncall

    @property
    def hours(self) -> HoursService:
        return self._get().hours

    @property
    def follow_ups(self) -> FollowUpService:
        return self._get().follow_ups

    @property
    def quiet(self) -> QuietService:
        return self._get().quiet

    @property
    def feedback(self) -> FeedbackService:
        return self._get().feedback

    @property
    def checkins(self) -> CheckinService:
        return self._get().checkins

    @property
    def outreach(self) -> OutreachService:
        return self._get().outreach

    @property
    def safety_plans(self) -> SafetyPlanService:
        return self._get().safety_plans

    @property
    def milestones(self) -> MilestoneRepository:
        return self._get().milestones

    @property
    def state(self) -> BotState:
        return self._get().state

    @property
    def crisis_log(self) -> CrisisMatchLog:
        return self._get().crisis_log

    @property
    def meeting_optins(self) -> MeetingOptins:
        return self._get().meeting_optins

    @property
    def reminder_log(self) -> ReminderLog:
        return self._get().reminder_log

    @property
    def snippets(self) -> SnippetService:
        return self._get().snippets

    @property
    def regions(self) -> CrisisRegions:
        return self._get().regions

    @property
    def languages(self) -> MemberLanguages:
        return self._get().languages

    def languages_if_open(self) -> MemberLanguages | None:
        """The languages service, or None while storage is closed (an error reply's lookup)."""
        return None if self._built is None else self._built.languages

    def regions_if_open(self) -> CrisisRegions | None:
        """The regions service, or None while storage is closed (an error reply's lookup)."""
        return None if self._built is None else self._built.regions
