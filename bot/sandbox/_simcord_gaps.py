"""Where the sandbox needs something SimCord's public API does not offer (yet).

Everything here touches SimCord internals; ``tests/test_sandbox.py`` shows at once if a SimCord
upgrade breaks it. Keep every such workaround in this module, and remove it once SimCord offers
a public equivalent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simcord import ChannelHandle
    from simcord.preview import Preview

log = logging.getLogger(__name__)


def switch_page(preview: Preview, channel: ChannelHandle) -> None:
    """Show ``channel`` in every open page of ``preview``, in place.

    SimCord 3.2's Preview is bound to one channel and has no channel switcher, so this does for
    the channel what Preview itself does when a viewer switches persona
    (``simcord/preview/_action_plans.py``, the ``viewer`` action): a new generation, a fresh
    target, published as navigation, which the open page accepts without a reload. It touches
    Preview internals; ``tests/test_sandbox.py`` shows at once if a SimCord upgrade breaks it.
    """
    preview.channel = channel  # where slash commands typed in the page run
    pages = list(preview._pages.values())
    if preview._python is not None and preview._python not in pages:
        pages.append(preview._python)
    for page in pages:
        preview._clear_page_assets(page)
        page.channel_id = channel.id
        page.generation += 1
        preview._reset_queries(page)
        page.target_id = preview._initial_target(page.viewer, channel.id)
        if page.layout == "channel":
            page.window_end_id = page.target_id
        page.modal = None
        page.modal_handle = None
        page.status = "current"
        preview._publish(page, reason="navigation")
