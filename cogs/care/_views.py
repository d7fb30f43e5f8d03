"""Menus and buttons for the care commands.

Every interactive part is a persistent ``DynamicItem``: its whole state is in its custom_id
(``care:level:iop``, ``care:fit:<owner>:<answers>``…), so it keeps working after a restart.
A click on a member's own private message edits it in place; a click on a shared (public)
message answers the clicker privately, so nobody changes what everyone else sees.
Views hold only dynamic items (and the externally handled consult button), so discord.py
never has to keep per-message state for them.
"""

from __future__ import annotations

from typing import Any

import discord

from cogs.care._coping import CopingTopicSelect, TipButton
from cogs.care._guides import GuideTopicSelect
from cogs.care._iop import ApproachSelect, FitButton, IopTopicSelect
from cogs.care._levels import CompareButton, LevelButton, LevelCompareSelect, LevelSelect
from cogs.care._relapse import RelapseTopicSelect

DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    LevelSelect,
    LevelCompareSelect,
    LevelButton,
    CompareButton,
    IopTopicSelect,
    ApproachSelect,
    FitButton,
    RelapseTopicSelect,
    TipButton,
    CopingTopicSelect,
    GuideTopicSelect,
)
