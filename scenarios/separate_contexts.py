"""Each task in its own ThreadSensitiveContext, as Django gives each request: queries overlap.

Django's ASGI handler runs every request inside its own `ThreadSensitiveContext`,
so each request gets its own DB thread. Three "requests" here each count a
table: their queries run at the same time on three threads; the total is about
one latency, not three.
"""

import asyncio
import contextvars

from asgiref.sync import ThreadSensitiveContext

from demo_db.models import Author, Post, User

TITLE = "Separate ThreadSensitiveContexts (one per request): three DB threads, overlap"
LATENCY_MS = 200
SNAPSHOT = [
    "thread_sensitive=True means one DB thread per ThreadSensitiveContext, not per process.",
    "Django's ASGI handler gives each request its own context, so requests overlap.",
    "Within one context (one request), ORM calls still run one at a time.",
]
EXPECTED = ("returns", None)


async def request(model):
    async with ThreadSensitiveContext():  # as Django's ASGI handler does for each request
        return await model.objects.acount()


async def main():
    requests = [
        # A fresh contextvars.Context per task, like separate requests: each enters its own
        # ThreadSensitiveContext instead of sharing this one's DB thread.
        asyncio.create_task(request(model), context=contextvars.Context())
        for model in (User, Author, Post)
    ]
    return await asyncio.gather(*requests)
