"""N+1 queries in an async loop, and prefetch_related: the counts, measured.

Counting each author's posts inside the loop sends one query per author on
top of the author query: 1 + N. `prefetch_related("posts")` loads all posts in
one more query, inside the same thread hop: 2 queries in all.
"""

from demo_db.models import Author

TITLE = "N+1 queries in an async loop vs prefetch_related"
SNAPSHOT = [
    "An await per row inside `async for` is a query and a thread hop per row: N+1.",
    "prefetch_related() fetches the related rows in one more query, in the same hop.",
]
EXPECTED = ("returns", None)


async def main():
    naive = []
    async for author in Author.objects.order_by("id"):
        naive.append(await author.posts.acount())  # one query per author
    prefetched = [
        len(author.posts.all())  # no query: prefetched
        async for author in Author.objects.order_by("id").prefetch_related("posts")
    ]
    return naive, prefetched
