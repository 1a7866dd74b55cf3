"""The learning page's intent, done right: fetch the active users.

`filter()` is lazy and needs no `await`. `async for` over the QuerySet makes
one thread hop (Django runs `QuerySet._fetch_all` in a worker thread), then
hands back the cached rows without suspending again.
"""

from demo_db.models import User

TITLE = "The seed page's intent, done right: async for over a QuerySet"


async def get_users():
    users = [user async for user in User.objects.filter(active=True)]
    return users


SNAPSHOT = [
    "`filter()` is lazy: building the QuerySet sends nothing and needs no await.",
    "`async for` over a QuerySet makes one thread hop: Django runs QuerySet._fetch_all in a "
    "DB worker thread; the event loop stays free meanwhile.",
    "`users` stays unbound while the await is pending; it holds the list once the rows are back.",
    "After the hop, the rows come from the cache: no further suspension.",
]
KEY_MOMENTS = [
    (
        "The await hands the query to a DB thread: query sent, the task waits.",
        {"kind": "query_execute"},
    ),
    ("The DB thread has the rows; the loop was free while it worked.", {"kind": "query_result"}),
    ("Data received: the task resumes with the rows.", {"data_received": True}),
    ("The function returns the list.", {"kind": "task_end"}),
]
QUIZ = [
    {
        "question": "How many times did get_users() suspend to wait for the database?",
        "choices": lambda trace: ["1", "5", "0", "2"],
        "answer": lambda trace: str(sum(1 for q in trace.queries.values() if q.task == 1)),
        "hint": "Count the rows with kind query_execute: one hop, then cached rows.",
    }
]
EXPECTED = ("returns", None)
