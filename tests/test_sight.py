"""Sight: play redraws only the views a page shows; the rest wait for their turn."""

from __future__ import annotations

import collections

import pytest
from playing import play_for

import nnwidgets as nw
from nnwidgets.widgets.sight import Sight


def tell(sight: Sight, page: str, views) -> None:
    """What the page's sight.js sends: the views inside its viewport (None: it closed)."""
    sight._on_page_message(sight, {"event": "sight", "page": page, "views": views}, [])


def test_without_a_page_every_view_counts_as_shown():
    sight = Sight()
    assert sight.in_sight is None
    assert sight.shows("weights")


def test_the_views_of_all_pages_count_and_a_closed_page_drops_out():
    sight = Sight()
    tell(sight, "a", ["loss", "boundary"])
    tell(sight, "b", ["weights"])
    assert sight.in_sight == {"loss", "boundary", "weights"}
    assert not sight.shows("gradients")
    tell(sight, "a", [])  # scrolled away
    assert sight.in_sight == {"weights"}
    tell(sight, "b", None)  # closed
    assert sight.in_sight == frozenset()  # page a shows none of them
    tell(sight, "a", None)
    assert sight.in_sight is None  # no page left that says: all count again


@pytest.mark.parametrize(
    "content",
    [None, "sight", {"event": "other"}, {"event": "sight", "page": 3, "views": ["loss"]}],
)
def test_other_messages_change_nothing(content):
    sight = Sight()
    sight._on_page_message(sight, content, [])
    assert sight.in_sight is None


def test_non_text_names_are_dropped():
    sight = Sight()
    tell(sight, "a", ["loss", 3, None])
    assert sight.in_sight == {"loss"}


def drawn_while_playing(dash, seconds: float = 1.0) -> collections.Counter:
    """How often each view's update ran while ``dash`` played ``seconds``."""
    counts: collections.Counter = collections.Counter()
    for name, view in dash.views.items():
        original = view.update

        def update(*args, _name=name, _original=original, **kwargs):
            counts[_name] += 1
            return _original(*args, **kwargs)

        view.update = update
    play_for(dash, seconds)
    return counts


def test_play_skips_views_no_page_shows_and_draws_all_when_it_stops():
    dash = nw.demo(speed="max")
    tell(dash.sight, "page", ["loss", "boundary"])
    counts = drawn_while_playing(dash)
    # while playing, weights and gradients were skipped; the end of play drew them once
    assert counts["weights"] == counts["gradients"] == 1
    assert counts["loss"] > 5
    assert counts["boundary"] > 2


def test_a_view_scrolled_into_sight_is_drawn_while_playing():
    dash = nw.demo(speed="max")
    tell(dash.sight, "page", ["loss"])
    skipped = drawn_while_playing(dash, 0.6)
    assert skipped["weights"] == 1  # the end of play only
    tell(dash.sight, "page", ["loss", "weights"])
    counts = drawn_while_playing(dash, 0.6)
    assert counts["weights"] > 1
    assert counts["boundary"] == 1


def test_the_sight_widget_sits_in_the_dashboard_and_the_playground():
    dash = nw.demo()
    assert dash.sight in dash.children
    assert "nnw-sight" in dash.sight._dom_classes
    pg = nw.playground()
    assert pg.dashboard.sight in pg.dashboard.children
