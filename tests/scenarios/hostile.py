"""Reads the rows with hostile strings: markup, emoji, right-to-left text, a long bio."""

from demo_db.models import Author, User


async def main():
    markup = await User.objects.aget(name="[bold red]x[/]")
    names = [user.name async for user in User.objects.filter(pk__in=[4, 5, 6])]
    bio = (await Author.objects.aget(pk=2)).bio
    return markup.name, names, len(bio)
