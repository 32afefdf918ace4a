"""Screenshots of the real window for docs/screenshots/, streamed from the fake provider.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]

Runs on an X server: the one in DISPLAY, or a private Xvfb started here when there
is none. The window is the app's own (same parts as ``grokdesk.app``), the answers
really stream over HTTP from ``tests.support.fake_api``, and each PNG is the
window as X drew it. Look at every picture after a UI change.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTION = "How do I reverse a list in Python — slicing or reversed()?"
REASONING = (
    "The user wants to compare two ways of reversing a list. Slicing with a[::-1] builds a "
    "new list; reversed(a) returns a lazy iterator and list.reverse() works in place. "
    "A small table of the trade-offs and one short code example should cover it. "
)
ANSWER = """There are three common ways, and they differ in **what they return**:

| Method | Returns | Copies the list | Cost |
|---|---|---|---|
| `a[::-1]` | a new list | yes | O(n) memory |
| `reversed(a)` | an iterator | no | O(1) until consumed |
| `a.reverse()` | `None` (in place) | no | O(1) extra memory |

```python
numbers = [1, 2, 3, 4]

backwards = numbers[::-1]          # [4, 3, 2, 1], numbers unchanged
for n in reversed(numbers):        # no copy: iterate from the end
    print(n)
numbers.reverse()                  # numbers is now [4, 3, 2, 1]
```

Use `reversed()` when you only need to *loop*, slicing when you need a **new list**,
and `list.reverse()` when the original may change.
"""
MATH_QUESTION = "Solve 2x² − 3x − 2 = 0, then check the sum of the roots."
MATH_REASONING = (
    "A quadratic with a = 2, b = −3, c = −2. The discriminant is 9 + 16 = 25, so two real "
    "roots. Vieta gives the sum −b/a = 3/2 as a check. "
)
MATH_ANSWER = r"""With \(a = 2\), \(b = -3\) and \(c = -2\), the quadratic formula gives
\[
x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a} = \frac{3 \pm \sqrt{9 + 16}}{4} = \frac{3 \pm 5}{4}
\]
so the roots are $x_1 = 2$ and $x_2 = -\tfrac{1}{2}$. Step by step:

$$
\begin{aligned}
2x^2 - 3x - 2 &= (2x + 1)(x - 2) \\
&= 0 \iff x \in \left\{ -\tfrac{1}{2},\ 2 \right\}
\end{aligned}
$$

**Check.** Vieta: \(x_1 + x_2 = -\frac{b}{a} = \frac{3}{2}\) ✓, and the sign of the product
\(x_1 x_2 = \frac{c}{a} = -1\) says one root is negative. In general
\[
\sum_{k=1}^{n} k^2 = \frac{n(n+1)(2n+1)}{6}, \qquad
f(x) = \begin{cases} x^2 & x \ge 0 \\ -x & x < 0 \end{cases}
\]
A formula I cannot typeset stays as source: \(\ce{2H2 + O2 -> 2H2O}\). Prices like $5 and $10
stay text, and so does code: `$HOME`.
"""

NAME_QUESTION = "Suggest a name for a grey cat that sleeps all day"
NAME_REASONING = "A calm, sleepy grey cat: soft sounds, something cloud-like or restful. "
NAME_FIRST = """A few that fit a sleepy grey cat:

- **Nimbus** — a soft grey cloud
- **Pillow** — for obvious reasons
- **Earl Grey** — calm, a little dignified
"""
NAME_SECOND = """**Mochi.** Round, soft and happiest when still. If you want something grander,
*Sir Naps-a-Lot* works for formal occasions."""
PAST = [
    ("Weekly planning notes", True, "What should I focus on this week?",
     "Start with the release checklist, then the two bug reports."),
    ("Three days in Lisbon", False, "Plan three days in Lisbon for a first visit.",
     "**Day 1:** Alfama and the castle. **Day 2:** Belém. **Day 3:** Sintra."),
    ("Rust lifetimes, explained simply", False, "Explain Rust lifetimes like I'm new to it.",
     "A lifetime is how long a reference is valid; the compiler checks it never outlives "
     "the value it points to."),
    ("SQL window functions", False, "When do I use a window function instead of GROUP BY?",
     "When you need an aggregate *next to* each row instead of one row per group."),
    ("Sourdough starter schedule", False, "Feeding schedule for a sourdough starter?",
     "Twice a day at room temperature, once a week in the fridge."),
]


@contextmanager
def x_display() -> Iterator[str]:
    """The X display to draw on: DISPLAY if set, else a private Xvfb for this run."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    from bench.xserver import Xvfb

    with Xvfb(screen="1600x1000x24") as xvfb:
        yield xvfb.display


def seed(history: Any) -> None:
    """A few older conversations so the sidebar looks lived-in."""
    from grokdesk.storage.models import ConversationSettings

    for title, pinned, question, answer in reversed(PAST):
        conversation = history.create_conversation(title, ConversationSettings(provider="aimlapi"))
        history.add_message(conversation.id, "user", question)
        message = history.start_assistant_message(conversation.id, "x-ai/grok-3-mini-beta")
        history.finish_message(message.id, content=answer, reasoning="Short and direct.",
                               status="complete")
        if pinned:
            history.set_pinned(conversation.id, True)


async def until(predicate: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        await asyncio.sleep(0.02)


async def settle(seconds: float = 0.4) -> None:
    """Let throttled redraws, layouts and animations finish before a picture."""
    await asyncio.sleep(seconds)


async def take_screenshots(app: Any, out: Path) -> list[Path]:
    from grokdesk.chat.service import ChatService
    from grokdesk.config import NetworkPreferences, Settings
    from grokdesk.secrets import KeyStore
    from grokdesk.storage.db import open_database
    from grokdesk.storage.repository import History
    from grokdesk.ui.chat_controller import ChatController
    from grokdesk.ui.dialogs.compare import CompareDialog
    from grokdesk.ui.dialogs.onboarding import WelcomeDialog
    from grokdesk.ui.dialogs.preferences import PreferencesDialog
    from grokdesk.ui.main_window import ChatParts, FrameParts, MainWindow
    from grokdesk.ui.sidebar.model import ConversationListModel
    from grokdesk.ui.theme import ThemeManager
    from grokdesk.ui.ui_state import UIState
    from grokdesk.ui.window.opening import read_opening
    from tests.support import fake_api
    from tests.support.memory_keyring import MemoryKeyring

    written: list[Path] = []
    fake = fake_api.FakeAPI(delay=0.004).start()
    history = History(open_database(Path(os.environ["GROKDESK_DATA_DIR"]) / "shots.sqlite3"))
    seed(history)
    keys = KeyStore(backend=MemoryKeyring())
    keys.store("aimlapi", "sk-screenshot-key-0000")
    settings = Settings(network=NetworkPreferences(max_retries=0))
    core = ChatService(history, settings, keys, base_url_override=fake.url)
    theme = ThemeManager(app)
    window = MainWindow(FrameParts(ConversationListModel(core), settings, UIState(), theme,
                                   app.windowIcon()))
    window.show_opening(read_opening(history))
    window.attach(ChatParts(ChatController(core), keys,
                            Path(os.environ["GROKDESK_DATA_DIR"]) / "config.toml"))
    controller = window.controller

    def shot(name: str, widget: Any = None) -> None:
        path = out / name
        (widget or window).grab().save(str(path))
        written.append(path)
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    async def send(text: str) -> None:
        window.composer.set_text(text)
        window.composer.submit()
        await until(lambda: controller.busy)
        await until(lambda: not controller.busy)
        await settle()

    def math_waits() -> bool:
        return any(view.body.waiting_for_math for view in window.transcript.built_views())

    async def math_shots(apply_theme: Callable[[str], object]) -> None:
        """A math-heavy answer in both themes and at 150 % text size, its math typeset."""
        from PySide6.QtWidgets import QApplication

        apply_theme("light")
        window.view.set_show_reasoning(False)
        window.new_chat()
        fake.queue(fake_api.stream(fake_api._words(MATH_REASONING),
                                   fake_api._words(MATH_ANSWER)))
        await send(MATH_QUESTION)
        await until(lambda: not math_waits())
        window.transcript.scroll_to_bottom()
        await settle()
        shot("light-math.png")
        apply_theme("dark")
        await settle()
        await until(lambda: not math_waits())
        await settle()
        shot("dark-math.png")
        apply_theme("light")
        window.view.set_font_size(QApplication.font().pointSizeF() * 1.5)
        await settle()
        await until(lambda: not math_waits())
        window.transcript.scroll_to_bottom()
        await settle()
        shot("light-math-zoom-150.png")
        window.view.set_font_size(0)
        window.view.set_show_reasoning(True)
        await settle()

    try:
        window.resize(1280, 720)
        window.show()
        await settle()
        window.new_chat()
        words = fake_api._words
        fake.queue(fake_api.stream(words(REASONING), words(ANSWER)))
        await send(QUESTION)
        window.transcript.scroll_to_bottom()
        await settle()
        shot("light-reasoning-shown.png")

        window.view.set_show_reasoning(False)
        await settle()
        shot("light-reasoning-hidden.png")

        window.view.set_show_reasoning(True)
        theme.apply("dark")
        await settle()
        shot("dark-reasoning-shown.png")
        window.view.set_show_reasoning(False)
        await settle()
        shot("dark-reasoning-hidden.png")
        window.view.set_show_reasoning(True)

        window.new_chat()
        fake.queue(fake_api.stream(words(REASONING * 3), words(ANSWER), delay=0.05))
        window.composer.set_text("Explain the trade-offs again, slowly")
        window.composer.submit()
        live = window.transcript
        await until(lambda: live.live is not None)
        window.composer.set_text("You can keep typing while the answer streams…")
        await asyncio.sleep(1.2)
        shot("dark-streaming.png")
        controller.stop()
        await until(lambda: not controller.busy)
        window.composer.accept_sent()
        await settle()

        await math_shots(theme.apply)

        theme.apply("light")
        window.new_chat()
        fake.queue(fake_api.json_error(503, "The upstream model is overloaded, try later"))
        await send("Summarise this article for me")
        shot("light-error.png")

        window.resize(1024, 600)
        window.open_conversation(next(c.id for c in history.list_conversations()
                                      if c.title == QUESTION))
        window.transcript.scroll_to_bottom()
        await settle(0.8)
        shot("light-1024x600.png")

        window.resize(1280, 720)
        window.new_chat()
        fake.queue(fake_api.stream(words(NAME_REASONING), words(NAME_FIRST)))
        await send(NAME_QUESTION)
        fake.queue(fake_api.stream(words(NAME_REASONING), words(NAME_SECOND)))
        assert window.current_id is not None
        controller.regenerate(window.current_id, model="x-ai/grok-3-beta",
                              reasoning_effort="high")
        await until(lambda: not controller.busy)
        await settle()
        last = window.transcript.messages[-1].id
        for theme_name in ("light", "dark"):
            theme.apply(theme_name)
            window.transcript.scroll_to_bottom()
            await settle()
            shot(f"{theme_name}-branched.png")
            window.branches.compare(last)
            compare = next(d for d in window.findChildren(CompareDialog) if d.isVisible())
            await settle()
            shot(f"{theme_name}-compare.png", compare)
            compare.reject()
        theme.apply("light")

        preferences = PreferencesDialog(settings, keys, Path(os.environ["GROKDESK_DATA_DIR"])
                                        / "config.toml", window)
        preferences.open()
        await settle()
        shot("preferences.png", preferences)
        preferences.tabs.setCurrentWidget(preferences.network)
        preferences.network.proxy.setText("http://proxy.corp.example:3128")
        preferences.network.proxy_user.setText("alice")
        preferences.network.proxy_password.setText("not-a-real-password")
        await settle()
        shot("preferences-network.png", preferences)
        preferences.reject()

        no_key = KeyStore(backend=MemoryKeyring())
        welcome = WelcomeDialog(settings, no_key, None, window)
        welcome.open()
        await settle()
        shot("welcome.png", welcome)
        welcome.reject()
    finally:
        await controller.shutdown()
        window.prepare_to_quit()
        window.close_for_quit()
        history.db.close()
        fake.stop()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with x_display() as display, tempfile.TemporaryDirectory() as data:
        os.environ.update(DISPLAY=display, GROKDESK_DATA_DIR=data)
        for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "GROKDESK_API_KEY",
                     "GROKDESK_BASE_URL", "GROKDESK_MODEL"):
            os.environ.pop(name, None)
        import qasync

        from grokdesk.app import asyncgen_hooks, make_application

        app = make_application([])
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        try:
            with asyncgen_hooks(loop):
                loop.run_until_complete(take_screenshots(app, args.out))
                loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
