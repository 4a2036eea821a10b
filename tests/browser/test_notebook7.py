"""The dashboard in Jupyter Notebook 7, driven through Chromium like a student would."""

from __future__ import annotations

import pytest
import servers
from pages import dashboard_rendered, page_errors, status_text, step_of, wait_settled, wait_status

pytestmark = pytest.mark.browser


def test_quickstart_renders_and_steps_in_notebook7(notebook7, page):
    nb = notebook7(servers.QUICKSTART_SOURCE)
    nb.run_all_and_wait()
    dash = dashboard_rendered(page)
    for name in ("loss", "weights", "gradients", "boundary"):
        assert dash.locator(f".nnw-view-{name}").first.is_visible(), name
    assert status_text(page).startswith("epoch 0 · step 0"), status_text(page)
    for _ in range(3):
        dash.locator(".nnw-step").click()
    wait_status(page, r"· step 3 ·")
    status, _ = wait_settled(page, quiet=0.5)
    assert step_of(status) == 3, status
    assert page_errors(page) == []
