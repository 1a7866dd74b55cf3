"""Every common a-method is one thread hop: acreate, aget, afirst, aexists, acount, aupdate,
adelete, aget_or_create.

Each is `sync_to_async` around the sync method of the same name, so each await
sends one job to the DB thread; the job runs the method's SQL there (adelete
and aget_or_create run more than one statement, still in one hop).
"""

from demo_db.models import Author, Post, User

TITLE = "CRUD tour: each a-method is one thread hop, with its SQL"
SNAPSHOT = [
    "acreate, aget, afirst, aexists, acount, aupdate, adelete and aget_or_create are each "
    "sync_to_async around the sync method: one await, one hop to the DB thread.",
    "A hop can run several statements: adelete collects related rows first, "
    "aget_or_create looks before it inserts.",
    "There is no alist() or aall(): filter() and all() are lazy and need no await.",
]
KEY_MOMENTS = [
    ("acreate: the INSERT runs in the DB thread.", {"kind": "query_execute"}),
    ("The last hop: aget_or_create found the row, so no INSERT.", {"kind": "query_result"}, "last"),
]
EXPECTED = ("returns", None)


async def main():
    author = await Author.objects.acreate(name="Tour Guide", bio="temporary")
    found = await Author.objects.aget(pk=author.pk)
    first_post = await Post.objects.afirst()
    any_inactive = await User.objects.filter(active=False).aexists()
    users = await User.objects.acount()
    activated = await User.objects.filter(active=False).aupdate(active=True)
    deleted, _ = await Author.objects.filter(pk=author.pk).adelete()
    _ada, created = await Author.objects.aget_or_create(name="Ada Lovelace")
    return found.name, first_post.title, any_inactive, users, activated, deleted, created
