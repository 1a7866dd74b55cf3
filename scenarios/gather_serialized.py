"""Three ORM queries under asyncio.gather run one after another.

Every a-method is `sync_to_async(thread_sensitive=True)` around the sync
method, so all of them go to the one DB thread of this context. With a
simulated latency L per query, the gather takes at least 3 × L.
"""

import asyncio

from demo_db.models import Author, Post, User

TITLE = "gather() of three ORM queries: one DB thread, one query at a time"
LATENCY_MS = 200


async def main():
    users, authors, posts = await asyncio.gather(
        User.objects.acount(),
        Author.objects.acount(),
        Post.objects.acount(),
    )
    return users, authors, posts


SNAPSHOT = [
    "Each a-method is sync_to_async(thread_sensitive=True) around the sync method.",
    "All thread-sensitive calls of one context share one DB thread, so gathered ORM "
    "queries run one after another, not in parallel.",
    "With latency L per query, gather() of three queries takes at least 3 × L.",
]
KEY_MOMENTS = [
    ("main waits on gather(): three tasks, one per query.", {"kind": "task_resume"}),
]
QUIZ = [
    {
        "question": "How many DB threads ran the three gathered queries?",
        "choices": ["1", "3", "2", "none: the loop ran them"],
        "answer": lambda trace: str(len({q.thread for q in trace.queries.values()})),
        "hint": "Look at the SQL thread of each query (lanes: one DB-thread lane).",
    }
]
EXPECTED = ("returns", None)
