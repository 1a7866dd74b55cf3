"""The learning page's code, exactly as written: it raises TypeError.

`User.objects.filter(active=True).all()` builds a QuerySet; it sends no query
and is not awaitable. `await` on it fails at once with
"object QuerySet can't be used in 'await' expression", before any SQL runs.
The fix: iterate it with `async for` (see seed_corrected), or call an
a-method such as `acount()` / `afirst()`.
"""

from demo_db.models import User

TITLE = "The seed page's code as written: await on a QuerySet raises TypeError"


async def get_users():
    users = await User.objects.filter(active=True).all()
    return users


SNAPSHOT = [
    "filter() and all() build a QuerySet lazily: no SQL is sent and nothing is awaitable.",
    "`await` on a QuerySet raises TypeError at once, before any query runs.",
    "Fix: `[u async for u in qs]` (one thread hop), or an a-method such as acount()/afirst().",
]
KEY_MOMENTS = [
    ("The task raises at its first line: no query was ever sent.", {"kind": "task_end"}),
]
QUIZ = [
    {
        "question": "What does `await User.objects.filter(active=True).all()` do?",
        "choices": [
            "Raises TypeError: a QuerySet is not awaitable",
            "Returns the list of active users",
            "Sends the query and waits without blocking",
            "Returns a coroutine",
        ],
        "answer": "Raises TypeError: a QuerySet is not awaitable",
        "hint": "Look at the last row of the execution table and the (empty) queries.",
    }
]
EXPECTED = ("raises", "TypeError")
