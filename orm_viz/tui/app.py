"""The orm-viz app: composition, app-wide keys and lifecycle. Screens hold the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from orm_viz.scenarios import Summary
from orm_viz.tui.driver import Driver
from orm_viz.tui.help_screen import HelpScreen
from orm_viz.tui.lesson_screen import LessonScreen
from orm_viz.tui.picker_screen import PickerScreen

# Opens a scenario by name (a fresh run on a fresh database copy); raises on bad input.
TargetOpener = Callable[[str], Driver]


class OrmVizApp(App[int]):
    """A live run, a saved trace, or (with neither) the scenario picker."""

    CSS_PATH = "app.tcss"
    TITLE = "orm-viz"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit", priority=True),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("t", "toggle_theme", "Light/dark", id="theme", show=False),
        Binding(
            "ctrl+s",
            "screenshot",
            "Screenshot",
            id="screenshot",
            show=False,
            tooltip="Save an SVG screenshot in the current directory",
        ),
    ]

    def __init__(
        self,
        driver: Driver | None = None,
        *,
        target: str | None = None,
        open_target: TargetOpener | None = None,
        summaries: list[Summary] | None = None,
        autoplay: bool = False,
        speed: float = 1.0,
        exit_at_end: bool = False,
        keymap: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.driver = driver
        self.target = target
        self.open_target = open_target
        self.summaries = summaries or []
        self.lesson_options = {"autoplay": autoplay, "speed": speed, "exit_at_end": exit_at_end}
        self.keymap = keymap or {}

    def on_mount(self) -> None:
        if self.keymap:
            self.update_keymap(self.keymap)
        if self.driver is not None:
            self.push_screen(self._lesson(self.driver, self.target))
        else:
            self.push_screen(PickerScreen(self.summaries))

    def _lesson(self, driver: Driver, target: str | None) -> LessonScreen:
        opener = None
        if target is not None and self.open_target is not None:
            open_target = self.open_target
            opener = lambda: open_target(target)  # noqa: E731 - restart opens the same lesson
        elif not driver.live:
            opener = lambda: _from_the_start(driver)  # noqa: E731 - a replay restarts at step 1
        return LessonScreen(driver, opener, **self.lesson_options)  # type: ignore[arg-type]

    def on_picker_screen_scenario_chosen(self, message: PickerScreen.ScenarioChosen) -> None:
        self.notify(f"Starting {message.name} on a fresh copy of the demo database…", timeout=2)
        self._open(message.name)

    @work(thread=True, exclusive=True, group="open")
    def _open(self, name: str) -> None:
        if self.open_target is None:
            return
        try:
            driver = self.open_target(name)
        except Exception as error:  # a broken scenario: say so, stay in the picker
            self.call_from_thread(self.notify, str(error), severity="error", timeout=8)
            return
        self.call_from_thread(self.push_screen, self._lesson(driver, name))

    # ------------------------------------------------------------------ app-wide keys

    async def action_quit(self) -> None:
        """Stop the run (within a second, even if it hangs) and leave."""
        self.stop_runs()
        self.exit(0)

    def stop_runs(self) -> None:
        """Stop every run a screen holds (each within a second, even if it hangs)."""
        for screen in self.screen_stack:
            if isinstance(screen, LessonScreen):
                screen.stop_run()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        keys = []
        seen = set()
        for key, active in self.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            display = self.get_key_display(binding)
            keys.append((display or key, binding.tooltip or binding.description))
        panels = [
            (type(widget).__name__, str(widget.HELP))
            for widget in self.screen.query("*")
            if getattr(type(widget), "HELP", None) and type(widget).__module__.startswith("orm_viz")
        ]
        self.push_screen(HelpScreen(keys, panels))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        saved = self.save_screenshot(filename, path)
        self.notify(f"Screenshot saved: {saved}", timeout=3)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:  # type: ignore[type-arg]
        yield from super().get_system_commands(screen)
        if isinstance(screen, LessonScreen):
            for binding in LessonScreen.BINDINGS:
                if isinstance(binding, Binding) and binding.description:
                    action = binding.action
                    yield SystemCommand(
                        binding.description,
                        binding.tooltip or f"Same as the {binding.key} key",
                        lambda action=action: screen.run_action(action),  # type: ignore[misc]
                    )


def _from_the_start(driver: Driver) -> Driver:
    """A saved trace, shown again from its first step (what restarting a replay does)."""
    driver.jump(driver.trace.first_index)
    return driver
