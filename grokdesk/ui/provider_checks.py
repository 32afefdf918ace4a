"""Provider checks: "Test connection" in Preferences, the model picker, the warm-up.

The checks run in the background on the controller's loop, report through a signal,
and tell the status bar whether the service could be reached. The warm-up gets the
provider's client and the math typesetting process ready at the first edit of the
composer, with what they import loaded on a worker thread.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from grokdesk.api.errors import APIConnectionError, APIError
from grokdesk.config import Profile
from grokdesk.errors import GrokdeskError

if TYPE_CHECKING:
    import asyncio

    from grokdesk.chat.service import ChatService
    from grokdesk.ui.chat_controller import ChatController

TEST_TIMEOUT = 10.0
"""How long "Test connection" waits for the model list."""


class ProviderChecks(QObject):
    """``connectionTested(profile, ok, text)`` and ``modelsFetched(profile, models,
    error, from_cache)`` answer :meth:`test_connection` and :meth:`fetch_models`."""

    connectionTested = Signal(str, bool, str)
    modelsFetched = Signal(str, list, str, bool)

    def __init__(self, controller: ChatController) -> None:
        super().__init__(controller)
        self.controller = controller
        self._warming: asyncio.Future[None] | None = None

    def warm_up(self) -> None:
        """Get the active provider's client ready on a worker thread, so neither the
        window nor the first Send waits for httpx and the TLS roots; then start the math
        typesetting process, so no answer waits for it to spawn and load its fonts."""
        self.controller.spawn(self._warm_up())

    async def _warm_up(self) -> None:
        import asyncio

        # Shielded: cancelling this task cannot stop the thread, and a thread that
        # ends after the loop closed would call into it (see :meth:`warmed_up`).
        self._warming = asyncio.get_running_loop().run_in_executor(
            None, _warm_in_thread, self.controller.service)
        with contextlib.suppress(GrokdeskError):
            await asyncio.shield(self._warming)
        from grokdesk.ui.transcript.math_worker import math_worker  # loaded by the thread

        math_worker().prepare()  # its QObject belongs on this, the GUI, thread

    async def warmed_up(self) -> None:
        """Until a warm-up's thread has ended (quit waits for it before the loop closes)."""
        import asyncio

        if self._warming is not None:
            await asyncio.gather(self._warming, return_exceptions=True)

    def test_connection(self, profile: Profile, key: str | None) -> None:
        """Ask ``profile``'s service for its model list; report the result.

        ``key`` is the one typed in Preferences, if any, else the stored one.
        """
        key = key or self.controller.service.keys.lookup(profile).key
        self.controller.spawn(self._test_connection(profile, key))

    async def _test_connection(self, profile: Profile, key: str | None) -> None:
        try:
            client = self.controller.service.new_client(
                profile, key or None, connect_timeout=5.0, read_timeout=TEST_TIMEOUT,
                max_retries=0)
        except GrokdeskError as exc:
            self.connectionTested.emit(profile.name, False, exc.describe())
            return
        try:
            models = await client.list_models()
        except APIError as exc:
            if isinstance(exc, APIConnectionError):
                self.controller.set_online(False, profile)
            self.connectionTested.emit(profile.name, False, exc.describe())
        else:
            self.controller.set_online(True)
            count = len(models)
            self.connectionTested.emit(
                profile.name, True,
                f"Connected: {count} model{'s' if count != 1 else ''} available")
        finally:
            await client.aclose()

    def fetch_models(self, profile_name: str, refresh: bool = False) -> None:
        """Fetch a provider's model list (for the conversation settings dialog).

        The list comes from the on-disk cache when it is recent (or when the service
        cannot be reached), so the picker works offline.
        """
        profile = self.controller.service.profile_named(profile_name)
        self.controller.spawn(self._fetch_models(profile, refresh))

    async def _fetch_models(self, profile: Profile, refresh: bool = False) -> None:
        try:
            listed = await self.controller.service.models(profile, refresh=refresh)
        except GrokdeskError as exc:
            if isinstance(exc, APIConnectionError):
                self.controller.set_online(False, profile)
            self.modelsFetched.emit(profile.name, [], exc.describe(), False)
            return
        if isinstance(listed.error, APIConnectionError):
            self.controller.set_online(False, profile)
        elif not listed.from_cache:
            self.controller.set_online(True)
        error = listed.error.describe() if listed.error is not None else ""
        self.modelsFetched.emit(profile.name, list(listed.models), error, listed.from_cache)


def _warm_in_thread(service: ChatService) -> None:
    """What the math worker imports (the GUI thread only spawns it then), what draws a
    streaming answer and its code, and the client."""
    import concurrent.futures.process  # noqa: F401
    import multiprocessing  # noqa: F401

    from grokdesk.render import highlight
    from grokdesk.ui.transcript import live_stream, math_worker  # noqa: F401

    highlight.prepare()
    service.warm_up()
