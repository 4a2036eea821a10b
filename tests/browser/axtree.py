"""Chromium's accessibility tree, read through the DevTools protocol, and the keyboard
walks and checks that the accessibility tests run in JupyterLab, Notebook 7 and Voila.

``ax_nodes`` lists the accessible nodes under an element with their computed role and
name (``Accessibility.queryAXTree``). Chromium's protocol does not report
``aria-valuetext``, so ``spoken_value`` asks Chromium's own name computation for it: an
element labelled by a slider is named by the slider's value text (accname 1.2, "embedded
control").
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pages import status_text, step_of, wait_status

if TYPE_CHECKING:
    from playwright.sync_api import Page

#: roles a user operates: each needs an accessible name
CONTROL_ROLES = {
    "button",
    "checkbox",
    "combobox",
    "listbox",
    "menuitem",
    "radio",
    "slider",
    "spinbutton",
    "switch",
    "tab",
    "textbox",
    "togglebutton",
}
#: Font Awesome draws its icons as characters of Unicode's private use area
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
PRIMARY = ("Reset", "Play", "Step", "Epoch")
#: the classes of the primary row's controls in Tab order (the sliders by their handle)
PRIMARY_TAB_ORDER = ("nnw-reset", "nnw-play", "nnw-step", "nnw-epoch", "speed", "learning rate")


@dataclass
class AXNode:
    """One node of Chromium's accessibility tree."""

    role: str
    name: str
    properties: dict = field(default_factory=dict)
    backend_id: int | None = None


def _cdp(page: Page):
    return page.context.new_cdp_session(page)


def ax_nodes(page: Page, css: str, role: str | None = None) -> list[AXNode]:
    """The accessible (not ignored) nodes in the first element matching ``css`` and
    under it, optionally of one ``role``, as Chromium computes them."""
    cdp = _cdp(page)
    try:
        found = cdp.send("Runtime.evaluate", {"expression": f"document.querySelector({css!r})"})[
            "result"
        ]
        if "objectId" not in found:
            raise AssertionError(f"no element matches {css!r}")
        query = {"objectId": found["objectId"]}
        if role is not None:
            query["role"] = role
        nodes = cdp.send("Accessibility.queryAXTree", query)["nodes"]
    finally:
        cdp.detach()
    out = []
    for n in nodes:
        if n.get("ignored"):
            continue
        props = {p["name"]: p["value"].get("value") for p in n.get("properties", [])}
        out.append(
            AXNode(
                role=n.get("role", {}).get("value", ""),
                name=n.get("name", {}).get("value", ""),
                properties=props,
                backend_id=n.get("backendDOMNodeId"),
            )
        )
    return out


def spoken_value(page: Page, handle_css: str) -> str:
    """The value text Chromium gives the slider handle matching ``handle_css`` (its
    ``aria-valuetext``, else its value), read from Chromium's name computation."""
    page.evaluate(
        """(css) => {
            const handle = document.querySelector(css);
            if (!handle.id) handle.id = 'nnw-probe-target-' + Math.random().toString(36).slice(2);
            const probe = document.createElement('span');
            probe.id = 'nnw-probe';
            probe.setAttribute('role', 'note');
            probe.setAttribute('aria-labelledby', handle.id);
            document.body.appendChild(probe);
        }""",
        handle_css,
    )
    try:
        return next(n.name for n in ax_nodes(page, "#nnw-probe") if n.role == "note")
    finally:
        page.evaluate("() => document.getElementById('nnw-probe').remove()")


def outer_html(page: Page, backend_id: int, limit: int = 300) -> str:
    """The start of the HTML of the element behind an accessible node (for messages)."""
    cdp = _cdp(page)
    try:
        obj = cdp.send("DOM.resolveNode", {"backendNodeId": backend_id})["object"]
        html = cdp.send(
            "Runtime.callFunctionOn",
            {
                "objectId": obj["objectId"],
                "functionDeclaration": "function () { return this.outerHTML; }",
                "returnByValue": True,
            },
        )["result"].get("value", "")
    finally:
        cdp.detach()
    return html[:limit]


def unnamed_controls(page: Page, css: str) -> list[str]:
    """Controls under ``css`` whose accessible name is empty or holds an icon glyph,
    each with the start of its HTML."""
    bad = []
    for n in ax_nodes(page, css):
        if n.role in CONTROL_ROLES and (not n.name.strip() or PRIVATE_USE.search(n.name)):
            bad.append(f"{n.role} {n.name!r}: {outer_html(page, n.backend_id)}")
    return bad


def focused(page: Page) -> dict:
    """What has the keyboard focus: its classes, its accessible name as ARIA gives it,
    and its focus ring (computed outline)."""
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            const s = getComputedStyle(e);
            const slider = e.closest('.widget-slider');
            return {
                classes: (e.className || '') + ' ' + (slider ? slider.className : ''),
                label: e.getAttribute('aria-label') || e.textContent.trim(),
                outline: [s.outlineStyle, s.outlineWidth],
            };
        }"""
    )


def tab_to(page: Page, want: str, limit: int = 40, back: bool = False) -> dict:
    """Press Tab (Shift+Tab when ``back``) until the focused element's classes or
    label contain ``want``; returns it."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page)
        if want in now["classes"].split() or now["label"] == want:
            return now
    raise AssertionError(f"{want!r} not reached in {limit} presses of Tab")


def live_changes(page: Page, root: str) -> None:
    """Start counting the changes of the status line's live region under ``root``."""
    page.evaluate(
        """(root) => {
            const live = document.querySelector(root + ' .nnw-status .nnw-status-live');
            window.__nnwLive = [];
            new MutationObserver(() => window.__nnwLive.push(live.textContent))
                .observe(live, {childList: true, characterData: true, subtree: true});
        }""",
        root,
    )


def live_text(page: Page, root: str) -> str:
    """What the status line's live region holds now."""
    return page.locator(f"{root} .nnw-status .nnw-status-live").first.text_content() or ""


# ------------------------------------------------------- the checks, per front end
def check_names_and_roles(page: Page, root: str) -> None:
    """Every control under ``root`` is named (no icon glyph); the primary buttons by
    their words; the sliders by their labels, the learning rate spoken as a rate; the
    status line holds one polite live region with its text; every figure is an image
    with a text alternative."""
    unnamed = unnamed_controls(page, root)
    assert unnamed == [], unnamed
    buttons = [n.name for n in ax_nodes(page, f"{root} .nnw-primary", "button")]
    assert buttons[: len(PRIMARY)] == list(PRIMARY), buttons
    sliders = {n.name for n in ax_nodes(page, f"{root} .nnw-primary", "slider")}
    assert {"speed", "learning rate"} <= sliders, sliders
    lr = float(
        page.evaluate(f"() => document.querySelector('{root} .nnw-lr .widget-readout').textContent")
    )
    spoken = spoken_value(page, f"{root} .nnw-lr [role=slider]")
    assert spoken == f"{lr:.3g}", (spoken, lr)
    live = ax_nodes(page, f"{root} .nnw-status")
    regions = [n for n in live if n.properties.get("live") == "polite"]
    assert [n.role for n in regions] == ["status"], [(n.role, n.properties) for n in live]
    snapshot = page.locator(f"{root} .nnw-status").first.aria_snapshot()
    assert snapshot == f"- status: {status_text(page)}", snapshot
    figures = page.locator(f"{root} .nnw-view .bqplot.figure")
    count = figures.count()
    assert count >= 4, count
    images = {n.name for n in ax_nodes(page, root, "image")}
    for i in range(count):
        label = figures.nth(i).get_attribute("aria-label")
        assert figures.nth(i).get_attribute("role") == "img" and label, i
        assert label in images, (label, images)
    loss = page.locator(f"{root} .nnw-view-loss .bqplot.figure").first.get_attribute("aria-label")
    assert re.match(r"loss: train [0-9.e+-]+, test [0-9.e+-]+ at epoch \d+", loss), loss


def check_keyboard_walk(page: Page, root: str) -> None:
    """Tab reaches the primary controls in order, each with a 2 px focus ring; Enter
    on Step moves the status, Space on Play plays and Space again pauses."""
    page.locator(f"{root} button.nnw-reset").focus()
    seen = [focused(page)]
    for want in PRIMARY_TAB_ORDER[1:]:
        seen.append(tab_to(page, want, limit=3))
    for item in seen:
        assert item["outline"] == ["solid", "2px"], item
    before = step_of(status_text(page))
    tab_to(page, "nnw-step", limit=6, back=True)
    page.keyboard.press("Enter")
    wait_status(page, rf"· step {before + 1} ·")
    page.keyboard.press(" ")
    wait_status(page, rf"· step {before + 2} ·")
    loss = page.locator(f"{root} .nnw-view-loss .bqplot.figure").first
    page.wait_for_function(
        "([el, step]) => (el.getAttribute('aria-label') || '').includes(`step ${step}`)",
        arg=[loss.element_handle(), before + 2],
    )
    tab_to(page, "nnw-play", limit=2, back=True)
    page.keyboard.press(" ")
    wait_status(page, r"steps/s")
    time.sleep(1.0)
    page.keyboard.press(" ")
    stopped = wait_status(page, r"^(?!.*steps/s)", timeout=25)
    assert step_of(stopped) > before + 2, stopped
    assert focused(page)["label"] == "Play"
