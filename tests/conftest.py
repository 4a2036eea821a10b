"""Suite-wide order: the real-browser tests run last.

Playwright's synchronous API keeps an event loop running in the main thread for as long
as its session fixture lives; tests that call ``asyncio.run`` (the play loop) must
therefore run before the first browser test starts it.
"""

from pathlib import Path

BROWSER_DIR = Path(__file__).resolve().parent / "browser"


def pytest_collection_modifyitems(items):
    """Move the tests under tests/browser to the end, keeping the order within each part."""

    def in_browser(item) -> bool:
        return BROWSER_DIR in Path(str(item.fspath)).resolve().parents

    items[:] = [i for i in items if not in_browser(i)] + [i for i in items if in_browser(i)]
