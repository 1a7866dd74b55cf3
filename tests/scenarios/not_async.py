"""A sync entry point (a test fixture for the error message)."""


def main():
    return 1
