"""A forgotten await: a coroutine object where the data was expected.

`User.objects.acount()` without `await` does not count anything: it returns a
coroutine object, sends no query, and Python warns "coroutine ... was never
awaited" when that object is thrown away.
"""

from demo_db.models import User

TITLE = "A forgotten await: a coroutine object instead of data, and a warning"
SNAPSHOT = [
    "Calling an async method without await gives a coroutine object, not its result.",
    "Nothing runs: no thread hop, no SQL.",
    "When the coroutine is discarded, Python warns: coroutine ... was never awaited.",
]
KEY_MOMENTS = [("The function returns without a single query.", {"kind": "task_end"})]
QUIZ = [
    {
        "question": "What does `count` hold after `count = User.objects.acount()`?",
        "choices": ["a coroutine object", "the number of users", "a QuerySet", "None"],
        "answer": "a coroutine object",
        "hint": "Look at the variable tracker's row for `count`.",
    }
]
EXPECTED = ("returns", None)


async def main():
    count = User.objects.acount()  # forgot `await`
    kind = type(count).__name__
    return kind
