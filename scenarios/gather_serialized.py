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
