"""The real app in real terminals: driven by keys in tmux, and recorded by asciinema.

The pilot tests (test_tui.py) drive the app inside Textual's headless driver. These run
``python -m orm_viz`` as a user does, in a pseudo-terminal, and read what the terminal shows:
the text on the screen, the exit status, and the terminal modes the app leaves behind.
Textual without a tty hangs rather than fails, so everything here waits with a deadline.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

COLS, ROWS = 160, 48
TERMINAL_ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
POLL = 0.02  # seconds between two reads of the screen
FIRST_FRAME_DEADLINE = 60.0  # a cold start (Django, Textual, a database copy) on 2 slow cores
KEY_DEADLINE = 30.0  # a key press until the screen shows its effect
EXIT_DEADLINE = 30.0

USERS_LINE = "users = [user async for user in User.objects.filter(active=True)]"
STATUS = re.compile(r"\bstep (\d+) of (\d+)\b")
# One execution-table row: Step, Action, Awaited?, Sent?, Data?, then the Result (maybe cut).
ROW = re.compile(r"^[ ▶]?(\d+) {2,}(.+?) {2,}(Yes|No) {2,}(Yes|No) {2,}(Yes|No)(?: {2,}(.*?))?\s*$")


# --------------------------------------------------------------------------- screen reading


def panel(screen: list[str], title: str) -> list[str]:
    """The inside of the box titled ``title`` (``╭─ title ─…╮``), borders cut off."""
    tops = [(top, line.find(f"╭─ {title} ")) for top, line in enumerate(screen)]
    found = [(top, left) for top, left in tops if left >= 0]
    assert found, f"no {title!r} panel on the screen"
    top, left = found[0]
    right = screen[top].index("╮", left)
    inside = []
    for line in screen[top + 1 :]:
        if line[left : left + 1] == "╰":
            break
        inside.append(line[left + 1 : right])
    return inside


def table_rows(screen: list[str]) -> list[tuple[str, ...]]:
    """The execution table's rows as shown: (step, action, awaited, sent, data, result)."""
    rows = []
    for line in panel(screen, "Execution table"):
        match = ROW.match(line)
        if match:
            rows.append(tuple(group or "" for group in match.groups()))
    return rows


def tracker_rows(screen: list[str]) -> dict[str, list[str]]:
    """The variable tracker as shown: first cell (Variable, a name, Awaiting) → other cells."""
    rows = {}
    for line in panel(screen, "Variable tracker"):
        cells = re.split(r" {2,}", line.strip())
        if cells and cells[0]:
            rows[cells[0]] = cells[1:]
    return rows


def status(screen: list[str]) -> str:
    lines = [line for line in screen if STATUS.search(line) and "  ·  " in line]
    assert lines, "no status line on the screen"
    return lines[-1].strip()


def shows(cell: str, full: str) -> bool:
    """A cell shows ``full``: whole, or cut to the column's width with a trailing "…"."""
    return cell == full or (cell.endswith("…") and len(cell) > 10 and full.startswith(cell[:-1]))


def assert_row(
    row: tuple[str, ...], number: int, action: str, flags: tuple[str, str, str], result: str
) -> None:
    """One table row: its step number, action, Awaited?/Sent?/Data? and start of its Result."""
    assert row[0] == str(number), row
    assert shows(row[1], action), f"row {number} shows {row[1]!r}, expected {action!r}"
    assert row[2:5] == flags, f"row {number}: Awaited?/Sent?/Data? = {row[2:5]}, expected {flags}"
    assert re.match(result, row[5]), f"row {number}: result {row[5]!r} !~ {result!r}"


# --------------------------------------------------------------------------- tmux


class Tmux:
    """A private tmux server (its own socket, no user config) holding one pane."""

    def __init__(self) -> None:
        self.name = f"orm-viz-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}

    def __call__(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.name, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=30,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def screen(self) -> list[str]:
        return self("capture-pane", "-p").splitlines()

    def flags(self) -> dict[str, str]:
        names = [
            "pane_dead",
            "alternate_on",
            "cursor_flag",
            "mouse_any_flag",
            "mouse_all_flag",
            "mouse_sgr_flag",
            "mouse_button_flag",
            "mouse_standard_flag",
            "mouse_utf8_flag",
        ]
        shown = self("display", "-p", " ".join(f"#{{{name}}}" for name in names)).split()
        return dict(zip(names, shown, strict=True))

    def kill(self) -> None:
        """Stop the server and remove its socket (tmux leaves the file behind)."""
        socket = self("display", "-p", "#{socket_path}", check=False).strip()
        self("kill-server", check=False)
        if socket:
            Path(socket).unlink(missing_ok=True)


def eventually(
    read: Callable[[], list[str]], check: Callable[[list[str]], None], deadline: float, what: str
) -> list[str]:
    """Read the screen every POLL seconds until ``check`` passes on it; the screen it passed on.

    A frame can be caught half drawn, so every assertion about a point in the run is made
    inside ``check``: it passes once the whole frame for that point is on screen.
    """
    give_up = time.monotonic() + deadline
    while True:
        screen = read()
        try:
            check(screen)
            return screen
        except AssertionError as error:
            if time.monotonic() > give_up:
                shown = "\n".join(screen)
                raise AssertionError(
                    f"{what}: not on screen after {deadline:.0f} s: {error}\n{shown}"
                ) from None
        time.sleep(POLL)


@pytest.mark.timeout(300)
def test_stepping_a_live_run_in_tmux_shows_every_step_and_restores_the_terminal(
    tmp_path: Path,
) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    rc_file = tmp_path / "rc"
    env = " ".join(f"{k}={v}" for k, v in TERMINAL_ENV.items())
    # `exec cat` keeps the pane alive after the app exits (cat waits on the pty for ever), so
    # tmux still reports the modes the app left the terminal in; a dead pane would not do:
    # tmux resets its cursor flag. The app's exit status goes to a file (DESIGN §8).
    command = (
        f"env {env} {shlex.quote(sys.executable)} -m orm_viz run seed_corrected; "
        f"echo $? > {shlex.quote(str(rc_file))}; exec cat"
    )
    tmux = Tmux()
    try:
        tmux("new-session", "-d", "-x", str(COLS), "-y", str(ROWS), "-c", str(tmp_path), command)

        def paused_before_the_first_step(screen: list[str]) -> None:
            assert "step 2 of 2  ·  live  ·  mode step" in status(screen)
            rows = table_rows(screen)
            assert len(rows) == 2, rows
            assert_row(rows[0], 1, "Call get_users()", ("No", "No", "No"), "coroutine created")
            assert_row(
                rows[1],
                2,
                "Start get_users(): run until its first await",
                ("No", "No", "No"),
                "running",
            )
            assert tracker_rows(screen)["Variable"][-1] == "▶2"

        eventually(tmux.screen, paused_before_the_first_step, FIRST_FRAME_DEADLINE, "first frame")

        def users_never_bound(screen: list[str]) -> None:
            """Until the comprehension has finished, `users` is unbound (or not listed yet)."""
            cells = tracker_rows(screen).get("users", [])
            assert all(cell == "unbound" for cell in cells), cells

        # n: the task runs to its first await; the query is sent, no data yet.
        tmux("send-keys", "n")

        def awaiting_the_query(screen: list[str]) -> None:
            assert "step 3 of 3  ·  live" in status(screen)
            rows = table_rows(screen)
            assert len(rows) == 3, rows
            assert_row(rows[2], 3, USERS_LINE, ("Yes", "Yes", "No"), "waiting for DB")
            tracker = tracker_rows(screen)
            assert tracker["Variable"][-1] == "▶3"
            assert shows(tracker["Awaiting"][-1], USERS_LINE), tracker["Awaiting"]
            users_never_bound(screen)

        eventually(tmux.screen, awaiting_the_query, KEY_DEADLINE, "step 3 after n")

        # n: the DB thread runs the query.
        tmux("send-keys", "n")

        def db_thread_runs(screen: list[str]) -> None:
            assert "step 4 of 4  ·  live" in status(screen)
            rows = table_rows(screen)
            assert len(rows) == 4, rows
            assert_row(
                rows[3], 4, "DB thread runs QuerySet._fetch_all", ("Yes", "Yes", "No"), r"\d+ rows"
            )
            assert tracker_rows(screen)["Variable"][-1] == "▶4"
            users_never_bound(screen)

        eventually(tmux.screen, db_thread_runs, KEY_DEADLINE, "step 4 after n")

        # p: back over a recorded step; the run stays parked at step 4, every row stays.
        tmux("send-keys", "p")

        def back_at_step_3(screen: list[str]) -> None:
            assert "step 3 of 4  ·  live" in status(screen)
            assert [row[0] for row in table_rows(screen)] == ["1", "2", "3", "4"]
            assert tracker_rows(screen)["Variable"][-1] == "▶3"
            users_never_bound(screen)

        eventually(tmux.screen, back_at_step_3, KEY_DEADLINE, "step 3 after p")

        # n: forward over the recorded step again, without releasing anything new.
        tmux("send-keys", "n")
        eventually(tmux.screen, db_thread_runs, KEY_DEADLINE, "step 4 after p, n")

        # o: the others run freely, the focused task takes one step: the data is back.
        tmux("send-keys", "o")

        def data_received(screen: list[str]) -> None:
            assert "step 5 of 5  ·  live  ·  mode others" in status(screen)
            rows = table_rows(screen)
            assert len(rows) == 5, rows
            assert_row(rows[4], 5, USERS_LINE, ("No", "Yes", "Yes"), r"\d+ rows received")
            assert tracker_rows(screen)["Variable"][-1] == "▶5"
            users_never_bound(screen)

        eventually(tmux.screen, data_received, KEY_DEADLINE, "step 5 after o")

        # n: the comprehension is done, `users` is bound (and marked changed), the task returns.
        tmux("send-keys", "n")

        def returned(screen: list[str]) -> None:
            assert "step 6 of 6  ·  finished: returned" in status(screen)
            rows = table_rows(screen)
            assert len(rows) == 6, rows
            assert_row(rows[5], 6, "return users", ("No", "Yes", "Yes"), r"returned: \[<User #1")
            assert [row[4] for row in rows] == ["No", "No", "No", "No", "Yes", "Yes"]
            tracker = tracker_rows(screen)
            assert tracker["Variable"] == ["1", "2", "3", "4", "5", "▶6"]
            users = tracker["users"]
            assert users[:-1] == ["unbound"] * 5, users
            assert users[-1].startswith("* [<User #1"), users

        eventually(tmux.screen, returned, KEY_DEADLINE, "step 6 after n")

        # p: back to the step where the rows arrived: `users` is still unbound there.
        tmux("send-keys", "p")

        def back_at_step_5(screen: list[str]) -> None:
            assert "step 5 of 6  ·  finished: returned" in status(screen)
            assert len(table_rows(screen)) == 6
            tracker = tracker_rows(screen)
            assert tracker["Variable"][-1] == "▶5"
            assert tracker["users"] == ["unbound"] * 5, tracker["users"]

        eventually(tmux.screen, back_at_step_5, KEY_DEADLINE, "step 5 after p")

        # q: the app quits with status 0.
        tmux("send-keys", "q")
        give_up = time.monotonic() + EXIT_DEADLINE
        while not (rc_file.exists() and rc_file.read_text().strip()):
            if time.monotonic() > give_up:
                raise AssertionError(
                    f"orm-viz did not exit {EXIT_DEADLINE:.0f} s after q:\n"
                    + "\n".join(tmux.screen())
                )
            time.sleep(POLL)
        assert rc_file.read_text().strip() == "0"

        # The terminal is restored. The robust signal is tmux's own record of the pane's
        # modes (what any later program in this terminal inherits), read while the pane is
        # still alive: the app left the alternate screen (else the shell would keep drawing
        # over the app's last frame), showed the cursor again and turned mouse reporting
        # off. The screen itself is then the normal one: none of the app's frame on it.
        flags = tmux.flags()
        assert flags == {
            "pane_dead": "0",
            "alternate_on": "0",
            "cursor_flag": "1",
            "mouse_any_flag": "0",
            "mouse_all_flag": "0",
            "mouse_sgr_flag": "0",
            "mouse_button_flag": "0",
            "mouse_standard_flag": "0",
            "mouse_utf8_flag": "0",
        }, flags
        after = "\n".join(tmux.screen())
        assert "Execution table" not in after
        assert not STATUS.search(after), after
    finally:
        tmux.kill()


# --------------------------------------------------------------------------- asciinema

PRIVATE_MODE = re.compile(r"\x1b\[\?([\d;]+)([hl])")
# Private modes and the state a terminal must be left in: normal screen, autowrap on, cursor
# shown, no mouse reporting, no focus events, no bracketed paste.
RESTORED = {
    "1049": "l",
    "7": "h",
    "25": "h",
    "1000": "l",
    "1002": "l",
    "1003": "l",
    "1006": "l",
    "1015": "l",
    "1004": "l",
    "2004": "l",
}


@pytest.mark.timeout(300)
def test_an_asciinema_recording_of_autoplay_shows_every_step_and_ends_finished(
    tmp_path: Path,
) -> None:
    import pyte  # in the test extra

    asciinema = Path(sys.executable).parent / "asciinema"
    assert asciinema.exists(), f"{asciinema} is missing: pip install -e '.[test]'"
    cast, rc_file = tmp_path / "out.cast", tmp_path / "rc"
    # asciinema rec exits 0 whatever the command does, so the app's own status goes to a file.
    command = (
        f"{shlex.quote(sys.executable)} -m orm_viz run seed_corrected"
        f" --autoplay --speed 4 --exit-at-end; echo $? > {shlex.quote(str(rc_file))}"
    )
    env = {**os.environ, **TERMINAL_ENV, "ASCIINEMA_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run(
        [
            *(str(asciinema), "rec", "--overwrite", "-q"),
            *("--cols", str(COLS), "--rows", str(ROWS)),
            *("-c", command, str(cast)),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert rc_file.read_text().strip() == "0"

    # asciicast v2: a JSON header line, then one [time, "o", text] line per write.
    header_line, *event_lines = cast.read_text(encoding="utf-8").splitlines()
    header = json.loads(header_line)
    assert header["version"] == 2
    assert (header["width"], header["height"]) == (COLS, ROWS)
    events = [json.loads(line) for line in event_lines]
    assert events, "nothing recorded"
    for event in events:
        assert isinstance(event, list), event
        assert len(event) == 3, event
        assert isinstance(event[0], (int, float)), event
        assert event[1] == "o", event
        assert isinstance(event[2], str), event
    times = [event[0] for event in events]
    # Non-decreasing: asciinema rounds to microseconds, so two writes may share a time.
    assert all(a <= b for a, b in itertools.pairwise(times)), "times go backwards"
    assert times[-1] > times[0]

    # Replay the output through a terminal emulator, noting the status line of every frame.
    # pyte has no alternate screen: stop where the app leaves it, on the app's last frame.
    screen = pyte.Screen(COLS, ROWS)
    stream = pyte.Stream(screen)
    seen: list[tuple[float, str]] = []  # (time, "step i of n  ·  where") as it changed
    for at, _, text in events:
        stream.feed(text.split("\x1b[?1049l")[0])
        lines = [line for line in screen.display if STATUS.search(line) and "  ·  " in line]
        if lines:
            shown = "  ·  ".join(lines[-1].strip().split("  ·  ")[:2])
            if not seen or seen[-1][1] != shown:
                seen.append((at, shown))
        if "\x1b[?1049l" in text:
            break
    final = screen.display
    assert "step 6 of 6  ·  finished: returned" in status(final), status(final)
    rows = table_rows(final)
    assert len(rows) == 6, rows
    assert_row(rows[5], 6, "return users", ("No", "Yes", "Yes"), r"returned: \[<User #1")
    tracker = tracker_rows(final)
    assert tracker["users"][-1].startswith("* [<User #1"), tracker

    # Autoplay painted every step, in order, none skipped.
    numbers: list[int] = []
    for _, shown in seen:
        number = int(STATUS.search(shown).group(1))  # type: ignore[union-attr]
        if not numbers or numbers[-1] != number:
            numbers.append(number)
    assert numbers == [2, 3, 4, 5, 6], seen
    # --exit-at-end holds the last frame 2 s before it exits (the margin: its paint may lag
    # the start of the hold on a busy machine; the hold has no upper bound here).
    finished_at = next(at for at, shown in seen if "finished" in shown)
    assert times[-1] - finished_at >= 1.5, (finished_at, times[-1])

    # The recording leaves the terminal as it found it: every private mode the app set is
    # reset, in the order written.
    modes: dict[str, str] = {}
    for _, _, text in events:
        for numbers_text, state in PRIVATE_MODE.findall(text):
            for mode in numbers_text.split(";"):
                modes[mode] = state
    assert modes.get("1049") == "l", "the alternate screen is never left"
    left_wrong = {m: s for m, s in modes.items() if m in RESTORED and s != RESTORED[m]}
    assert not left_wrong, f"modes left set at the end: {left_wrong}"
