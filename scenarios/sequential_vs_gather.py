"""Three ORM queries awaited one by one take as long as the same three under gather().

gather() cannot overlap them: all three go to the one DB thread of this
context. With a simulated latency L, both halves take about 3 × L.
"""

import asyncio

from demo_db.models import Author, Post, User

TITLE = "Sequential awaits vs gather(): the same time, on one DB thread"
LATENCY_MS = 150
SNAPSHOT = [
    "Awaiting three queries one by one: 3 × L.",
    "gather() of the same three: also 3 × L, because one DB thread runs them in turn.",
    "To overlap queries you need separate DB threads (separate contexts) or connections.",
]
KEY_MOMENTS = [("The gathered queries start here, one after another.", {"kind": "task_resume"})]
EXPECTED = ("returns", None)


async def main():
    users = await User.objects.acount()
    authors = await Author.objects.acount()
    posts = await Post.objects.acount()
    gathered = await asyncio.gather(
        User.objects.acount(), Author.objects.acount(), Post.objects.acount()
    )
    return (users, authors, posts), tuple(gathered)
