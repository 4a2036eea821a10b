"""The browser benchmark's report states each target's verdict from the measured numbers."""

import importlib.util
from pathlib import Path

# bench/browser.py by its path: "browser" is also the name of tests/browser
_PATH = Path(__file__).resolve().parent.parent / "bench" / "browser.py"
_SPEC = importlib.util.spec_from_file_location("bench_browser", _PATH)
browser = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(browser)


def measured(rate: float, click_ms: float, floor: float | None = 24.3) -> dict:
    plays = {browser.DEFAULT_PLAY: {"cpu_ms_per_render": {"renderer": 33.0}, "ack_ms": 116.0}}
    if floor is not None:
        plays[browser.FLOOR] = {"renders_per_s": floor, "ack_ms": 118.0, "all": [21.0, floor]}
    return {
        "click_ms": [click_ms - 1, click_ms, click_ms + 1],
        "renders_per_s": rate,
        "kernel_refreshes_per_s": 24.8,
        "plays": [{"renders_per_s": rate}],
        "breakdown": {"plays": plays},
    }


def test_a_missed_render_rate_comes_with_its_gap_and_the_floor():
    text = "\n".join(browser.targets_markdown(measured(22.7, 31.0)))
    assert "click -> render under 50 ms: **met** (31 ms" in text
    assert "renders per second while playing the demo: **not met** (22.7 /s" in text
    assert "The gap is 2.3 renders a second" in text
    assert "reached the kernel 116 ms after it was sent" in text
    assert "allows at most 25.9 refreshes a second" in text  # 3 in flight / 116 ms
    assert "drew 24.3 a second (plays: 21.0, 24.3)" in text
    assert "about 33 ms of renderer CPU per render" in text


def test_met_targets_say_so_without_a_gap():
    text = "\n".join(browser.targets_markdown(measured(26.0, 60.0)))
    assert "click -> render under 50 ms: **not met** (60 ms" in text
    assert "renders per second while playing the demo: **met** (26.0 /s" in text
    assert "The gap" not in text


def test_without_the_breakdown_plays_the_verdict_stands_alone():
    r = measured(22.7, 31.0, floor=None)
    del r["breakdown"]
    text = "\n".join(browser.targets_markdown(r))
    assert "**not met** (22.7 /s" in text and "The gap" not in text
