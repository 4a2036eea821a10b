"""Play for a while on a fresh event loop, then stop: what several play tests share."""

from __future__ import annotations

import asyncio


def play_for(player, seconds: float) -> None:
    """``player.play()`` (a Dashboard or a race), ``seconds`` later ``pause()``, then
    wait until its play loop has ended."""

    async def scenario():
        player.play()
        await asyncio.sleep(seconds)
        player.pause()
        await player.runner.wait()

    asyncio.run(scenario())


def run_for(runner, seconds: float) -> None:
    """The same for a bare Runner: ``start()``, ``stop()`` and wait."""

    async def scenario():
        runner.start()
        await asyncio.sleep(seconds)
        runner.stop()
        await runner.wait()

    asyncio.run(scenario())
