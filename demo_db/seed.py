"""Deterministic seed data for the demo database.

The same rows on every build, including hostile strings that a viewer must show
literally: Rich markup, emoji, right-to-left text and a 1,000-character value.
"""

from __future__ import annotations

from typing import Final

MARKUP_NAME: Final = "[bold red]x[/]"
EMOJI_NAME: Final = "Zoë 🐍🚀 Émilie"
RTL_NAME: Final = "مرحبا بالعالم שלום"
LONG_BIO: Final = ("orm-viz " * 125)[:1000]

USERS: Final = [
    ("alice", True),
    ("bob", True),
    ("carol", False),
    (MARKUP_NAME, True),
    (EMOJI_NAME, False),
    (RTL_NAME, True),
    ("dave", False),
    ("erin", True),
]
AUTHORS: Final = [
    ("Ada Lovelace", "Wrote the first program."),
    ("Grace Hopper", LONG_BIO),
    (RTL_NAME, "كاتب"),
]
POSTS_PER_AUTHOR: Final = 3
LOG_ENTRIES: Final = 6000
LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR")


def seed() -> dict[str, int]:
    """Insert the seed rows into the current default database.

    Returns:
        How many rows each table received.
    """
    from demo_db.models import Author, LogEntry, Post, User

    users = User.objects.bulk_create(
        User(name=name, email=f"user{i}@example.com", active=active)
        for i, (name, active) in enumerate(USERS, start=1)
    )
    authors = Author.objects.bulk_create(Author(name=name, bio=bio) for name, bio in AUTHORS)
    Post.objects.bulk_create(
        Post(author=author, title=f"{author.name}: post {n}", body=f"Body {n} of {author.name}.")
        for author in authors
        for n in range(1, POSTS_PER_AUTHOR + 1)
    )
    LogEntry.objects.bulk_create(
        (
            LogEntry(
                level=LEVELS[i % len(LEVELS)],
                message=f"event {i:05d}",
                user=users[i % len(users)],
            )
            for i in range(LOG_ENTRIES)
        ),
        batch_size=1000,
    )
    return {
        "user": len(users),
        "author": len(authors),
        "post": len(authors) * POSTS_PER_AUTHOR,
        "logentry": LOG_ENTRIES,
    }
