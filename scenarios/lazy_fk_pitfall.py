"""A lazy foreign key in async code raises SynchronousOnlyOperation; select_related fixes it.

`post.author` on a post loaded without its author runs a query when first read.
In async code Django refuses (SynchronousOnlyOperation) instead of blocking the
loop. Loading the author in the same query with `select_related("author")`
needs no second query.
"""

from django.core.exceptions import SynchronousOnlyOperation

from demo_db.models import Post

TITLE = "post.author in async code raises SynchronousOnlyOperation; select_related fixes it"
SNAPSHOT = [
    "Reading an unloaded foreign key runs a query: in async code that raises "
    "SynchronousOnlyOperation.",
    "select_related('author') joins the author into the first query: no lazy load.",
]
KEY_MOMENTS = [("The fixed query joins the author table.", {"kind": "query_execute"}, "last")]
EXPECTED = ("returns", None)


async def main():
    post = await Post.objects.afirst()
    try:
        name = post.author.name  # lazy: would query here
    except SynchronousOnlyOperation as error:
        problem = type(error).__name__
    post = await Post.objects.select_related("author").afirst()
    name = post.author.name  # already loaded: no query
    return problem, name
