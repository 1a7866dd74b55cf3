"""Blocks its event loop in Python code, for ever (a test fixture)."""

import time


async def main():
    while True:
        time.sleep(0.01)
