"""The quiz: questions answered from this run, with feedback, score and hints."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget

from orm_viz.tui.growth import Derivation
from orm_viz.tui.state import ViewState
from orm_viz.views.lesson import Question, quiz

LETTERS = "abcd"


class QuizPanel(Widget, can_focus=True):
    """Answer with a–d (or 1–4), h for a hint, j/k for the next or previous question."""

    HELP = (
        "Questions whose answers come from this run. Answer with a–d or 1–4; h shows a hint "
        "that points at the table or tracker; j and k move between questions."
    )
    BINDINGS = [
        *(Binding(k, f"answer({i})", show=False) for i, k in enumerate(LETTERS)),
        *(Binding(str(i + 1), f"answer({i})", show=False) for i in range(4)),
        Binding("h", "hint", "Hint", id="quiz_hint"),
        Binding("j", "move(1)", "Next question", id="quiz_next"),
        Binding("k", "move(-1)", "Previous question", id="quiz_previous"),
    ]
    DEFAULT_CSS = "QuizPanel { height: auto; padding: 1 2; }"

    state: reactive[ViewState | None] = reactive(None)
    current: reactive[int] = reactive(0)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.questions: list[Question] = []
        self.answers: dict[int, str] = {}  # question number -> the choice given
        self.hinted: set[int] = set()
        self._asked: tuple[int, int] | None = None  # (run, focus) the answers belong to
        self._derivation = Derivation(self, self._ask, when_shown=True)

    @property
    def score(self) -> int:
        return sum(
            self.questions[n].answer == a
            for n, a in self.answers.items()
            if n < len(self.questions)
        )

    def watch_state(self, state: ViewState | None) -> None:
        if state is not None:
            self._derivation.update(state, (state.run, state.focus, state.length, state.finished))

    def on_show(self) -> None:
        self._derivation.shown()

    def _ask(self, state: ViewState) -> None:
        asked = (state.run, state.focus)
        if self._asked is not None and asked != self._asked:  # a new run or another task
            self.answers, self.hinted, self.current = {}, set(), 0
        self._asked = asked
        self.questions = quiz(state.trace, state.focus)
        self.current = min(self.current, max(0, len(self.questions) - 1))
        self.refresh(layout=True)

    def watch_current(self) -> None:
        self.refresh(layout=True)

    def action_answer(self, choice: int) -> None:
        if not self.questions or self.current in self.answers:
            return
        question = self.questions[self.current]
        if choice < len(question.choices):
            self.answers[self.current] = question.choices[choice]
            self.refresh(layout=True)

    def action_hint(self) -> None:
        self.hinted.add(self.current)
        self.refresh(layout=True)

    def action_move(self, delta: int) -> None:
        if self.questions:
            self.current = (self.current + delta) % len(self.questions)

    def render(self) -> Group:
        state = self.state
        if not self.questions:
            waiting = state is not None and not state.finished
            text = (
                "Questions appear as the run records what they ask about."
                if waiting
                else "No questions for this run."
            )
            return Group(Text(text, "dim"))
        question = self.questions[self.current]
        parts = [
            Text.assemble(
                (f"Question {self.current + 1} of {len(self.questions)}", "bold"),
                f"   score {self.score} of {len(self.questions)}",
                (
                    "  (the run is still going: answers may change)"
                    if state is not None and not state.finished
                    else "",
                    "dim",
                ),
            ),
            Text(""),
            Text(question.question, "bold"),
            Text(""),
        ]
        given = self.answers.get(self.current)
        for letter, choice in zip(LETTERS, question.choices, strict=False):
            style = ""
            mark = "  "
            if given is not None:
                if choice == question.answer:
                    style, mark = "bold green", "✓ "
                elif choice == given:
                    style, mark = "bold red", "✗ "
            parts.append(Text(f"{mark}{letter}) {choice}", style))
        parts.append(Text(""))
        if given is not None:
            verdict = (
                "Right."
                if given == question.answer
                else f"Not quite: the answer is {question.answer}."
            )
            parts.append(Text(verdict + " " + question.hint, "italic"))
        elif self.current in self.hinted:
            parts.append(Text("Hint: " + question.hint, "italic"))
        else:
            parts.append(Text("a–d to answer · h hint · j/k next/previous", "dim"))
        return Group(*parts)
