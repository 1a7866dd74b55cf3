"""The learning modes: key moments, quiz, concept snapshot and full transcript.

Key moments and extra questions come from the scenario (stored in the trace's
lesson); every answer is computed from the recorded run.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from orm_viz.trace.records import Event, EventKind, QueryRecord, Step, StepKind
from orm_viz.trace.store import Trace
from orm_viz.views.story import (
    TableRow,
    execution_table,
    source_line,
    step_number,
    variable_tracker,
)


@dataclass(frozen=True, slots=True)
class KeyMoment:
    text: str
    row: int  # table row number, or 0 if the run never reached it
    step: int  # trace step index, or -1


def key_moments(trace: Trace, task: int = 1) -> list[KeyMoment]:
    """Resolve the scenario's key moments to rows: the first (or last) row matching all
    of a moment's conditions on the row's fields (kind, awaited, query_sent, ...)."""
    rows = execution_table(trace, task)
    found = []
    for moment in trace.lesson.get("key_moments", []):
        matches = [row for row in rows if _matches(row, moment["where"])]
        if moment.get("which") == "last":
            matches.reverse()
        row = matches[0] if matches else None
        found.append(KeyMoment(moment["text"], row.number if row else 0, row.step if row else -1))
    return found


def _matches(row: TableRow, where: dict[str, Any]) -> bool:
    return all(getattr(row, key, None) == value for key, value in where.items())


# ------------------------------------------------------------------ quiz


@dataclass(frozen=True, slots=True)
class Question:
    question: str
    choices: tuple[str, ...]
    answer: str  # one of the choices
    hint: str

    @property
    def answer_letter(self) -> str:
        """A, B, … (loaders and scenarios guarantee the answer is one of at most 8 choices)."""
        position = self.choices.index(self.answer) if self.answer in self.choices else -1
        return "ABCDEFGH"[position] if 0 <= position < 8 else "?"


def _choices(answer: str, distractors: list[str], salt: int) -> tuple[str, ...]:
    """The answer and up to three distinct distractors, in an order fixed by ``salt``."""
    options = [answer]
    for option in (_clip(d) for d in distractors):
        if option not in options and len(options) < 4:
            options.append(option)
    turn = salt % len(options)
    return tuple(options[turn:] + options[:turn])


def quiz(trace: Trace, task: int = 1) -> list[Question]:
    """Questions whose answers come from this run, then the scenario's own."""
    rows = execution_table(trace, task)
    questions: list[Question] = []
    received = next((row for row in rows if row.data_received), None)
    if received is not None:
        others = [f"Step {row.number}" for row in rows if row is not received and row.number]
        questions.append(
            Question(
                "At which step does the database's data reach the program?",
                _choices(f"Step {received.number}", others[1:] + others[:1], received.number),
                f"Step {received.number}",
                "Look at the Data received? column of the execution table.",
            )
        )
    tracker = variable_tracker(trace, task)
    waiting = next((row for row in rows if row.awaited), None)
    if waiting is not None and tracker.names:
        column = tracker.columns.index(waiting.number)
        assigned = re.match(r"\s*(\w+)\s*=[^=]", waiting.action)
        # The variable this await assigns (when it does), else the last one the task set.
        name = assigned[1] if assigned and assigned[1] in tracker.names else tracker.names[-1]
        held = tracker.cells[name][column].text
        final = tracker.cells[name][-1].text
        answer = (
            "nothing yet: it is unbound until the await completes" if held == "unbound" else held
        )
        questions.append(
            Question(
                f"What does `{name}` hold at step {waiting.number}?",
                _choices(answer, [final, "a coroutine object", "an empty list"], waiting.number),
                answer,
                f"Look at the variable tracker, column {waiting.number}, row `{name}`.",
            )
        )
    without = _without_await(trace, rows)
    if without is not None:
        questions.append(without)
    queries = [q for q in trace.query_list() if q.task == task] or list(trace.query_list())
    if queries:
        count = len(trace.queries)
        questions.append(
            Question(
                "How many SQL queries did this run send to the database?",
                _choices(
                    str(count), [str(count + 1), str(max(0, count - 1)), str(count * 2)], count
                ),
                str(count),
                "Count the rows where DB query sent? turns Yes, or the queries in the transcript.",
            )
        )
        threads = sorted({q.thread for q in trace.query_list()})
        answer = ", ".join(threads)
        loop = next((s.thread for s in trace.iter_steps() if s.thread.startswith("orm-viz")), "")
        questions.append(
            Question(
                "Which thread ran the SQL?",
                _choices(
                    answer,
                    [f"{loop} (the event loop)", "a new thread for every query", "the main thread"],
                    len(answer),
                ),
                answer,
                "Look at the SQL thread column of the execution table.",
            )
        )
    for extra in trace.lesson.get("quiz", []):
        questions.append(
            Question(extra["question"], tuple(extra["choices"]), extra["answer"], extra["hint"])
        )
    return questions


def _without_await(trace: Trace, rows: list[TableRow]) -> Question | None:
    """What the first `await` of the story would give without `await`, read from the
    await chain at that step: the coroutine object it awaits."""
    for row in rows:
        if not row.awaited or "await " not in row.action:
            continue
        step = trace.step(row.step)
        parts = step.chain.split(" → ")
        if step.func not in parts or parts.index(step.func) + 1 >= len(parts):
            continue
        callee = parts[parts.index(step.func) + 1]
        answer = f"a coroutine object ({callee}): nothing runs and no query is sent"
        return Question(
            f"What would step {row.number}'s line give without `await`?",
            _choices(
                answer,
                ["the same data, only later", "a QuerySet holding the rows", "None"],
                row.number,
            ),
            answer,
            f"Look at the await chain at step {row.number}: the task awaits {callee}, "
            "a coroutine; see also the forgot_await lesson.",
        )
    return None


# ------------------------------------------------------------------ snapshot and transcript


def concept_snapshot(trace: Trace) -> list[str]:
    return list(trace.lesson.get("snapshot", []))


def transcript(trace: Trace) -> list[str]:
    """One plain sentence per step of the run (every task), from its events and records."""
    events = trace.event_list()
    block_times = sorted(e.t for e in events if e.kind is EventKind.LOOP_BLOCKED)
    warnings: dict[int, list[Event]] = {}
    for event in events:
        if event.kind is EventKind.WARNING:
            warnings.setdefault(event.step, []).append(event)
    call = call_sentence(trace)
    sentences = [call] if call is not None else []
    for step in trace.iter_steps():
        sentences.extend(step_sentences(trace, step, block_times, warnings.get(step.index, ())))
    return sentences


def call_sentence(trace: Trace) -> str | None:
    """The transcript's first sentence, the main coroutine's call (step 1); None when the
    trace has no main task or no longer holds its first steps."""
    main = trace.tasks.get(1)
    if main is None or trace.first_index != 0:
        return None
    return (
        f"Step 1: {main.coro.rsplit('.', 1)[-1]}() is called: a coroutine object is "
        "created; nothing in it runs yet."
    )


def step_sentences(
    trace: Trace, step: Step, block_times: Sequence[float], warnings: Iterable[Event]
) -> list[str]:
    """The transcript's sentences for one step: what it did, then each warning raised at it.

    Args:
        trace: the run.
        step: the step.
        block_times: times of the run's ``loop_blocked`` events, sorted.
        warnings: the ``warning`` events recorded at ``step``, in order.
    """
    number = step_number(step.index)
    record = trace.tasks.get(step.task)
    who = record.name if record is not None else f"task {step.task}"
    query = trace.queries.get(step.query)
    text = source_line(trace, step.line)
    if step.kind is StepKind.TASK_START:
        sentence = f"{who} is about to start (line {step.line})."
    elif step.kind is StepKind.QUERY_EXECUTE and query is not None:
        sentence = (
            f"{who} awaits `{text}`: {query.orm_function} reached the DB thread "
            f"{query.thread}, which is about to run {_short(query.sql)}."
        )
    elif step.kind is StepKind.QUERY_RESULT and query is not None:
        took = (query.end - query.start) * 1000 if query.end >= 0 else 0.0
        loop = (
            "the loop was blocked meanwhile"
            if _blocked_during(block_times, query)
            else "the loop was free meanwhile"
        )
        simulated = (
            f" (with {query.latency * 1000:.0f} ms simulated latency)" if query.latency else ""
        )
        sentence = (
            f"the DB thread {query.thread} returned {step.detail.split(' read')[0]} for "
            f"{query.orm_function} after {took:.1f} ms{simulated}; {loop}."
        )
    elif step.kind is StepKind.TASK_RESUME:
        got = f" with {_plural(max(query.rows, 0), 'row')}" if query is not None else ""
        sentence = f"{who} resumes at line {step.line}{got}: `{text}`."
    elif step.kind is StepKind.TASK_END:
        sentence = f"{who} {step.detail.replace(': ', ' ', 1)} at line {step.line}."
    else:
        sentence = f"{who}: {step.kind.value} at line {step.line}."
    sentences = [f"Step {number}: {sentence}"]
    for warning in warnings:
        where = f" (created at line {warning.line})" if warning.line else ""
        sentences.append(f"Step {number}: Python warned: {warning.text}{where}.")
    return sentences


def _blocked_during(block_times: Sequence[float], query: QueryRecord) -> bool:
    """Whether a loop block was recorded while ``query`` ran, or within 0.1 s after (a
    block is recorded when it ends). Only the first block at or after the query's start
    needs checking: the later ones end later still."""
    at = bisect.bisect_left(block_times, query.start)
    return at < len(block_times) and block_times[at] - 0.1 <= max(query.end, query.start)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(sql: str, limit: int = 90) -> str:
    return _clip(sql, limit)
