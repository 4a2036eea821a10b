"""The pace of play: training steps per second, or "max" (flat out).

A lesson needs play slow enough to watch: the moons demo learns in about 600 steps,
which flat out is a fraction of a second. ``check_speed`` validates a pace and
``SpeedControl`` is the logarithmic slider (1 step/s up to "max" at its top) with the
equivalent epochs per second beside it.
"""

from __future__ import annotations

import math
import os
import warnings

from ipywidgets import HTML, FloatLogSlider, HBox, Layout
from traitlets import Any, Int, observe, validate

MAX = "max"
SPEED_MIN = 1.0  # steps per second at the slider's bottom
SPEED_TOP_EXP = 4.0  # the slider's top, 10^4, means "max"
SNAP = 0.006  # half a slider step (0.01 in log10) and a little: the page's rounding
LESSON_SPEED = 60.0  # nw.demo() and nw.playground(): the moons demo learns in about 10 s
MAX_SPEED_ENV = "NNWIDGETS_MAX_SPEED"  # a class server's cap on every dashboard's pace


def server_max_speed() -> float | None:
    """The cap a class server sets for every dashboard in its kernels
    (``NNWIDGETS_MAX_SPEED``, steps per second), or None. A bad value is ignored
    with a warning rather than breaking every student's dashboard."""
    raw = os.environ.get(MAX_SPEED_ENV, "").strip()
    if not raw:
        return None
    try:
        return check_speed(float(raw))
    except ValueError:
        warnings.warn(
            f"{MAX_SPEED_ENV}={raw!r} is not a number of steps per second >= 1; ignored",
            stacklevel=2,
        )
        return None


def check_speed(speed, max_speed: float | None = None) -> float | None:
    """A pace in steps per second, or None for "max"; refuses anything else with an
    error naming ``speed``. ``max_speed`` caps a number (and "max")."""
    if isinstance(speed, str):
        if speed != MAX:
            raise ValueError(f'speed must be a number of steps per second or "max", got {speed!r}')
        value = None
    elif isinstance(speed, bool) or not isinstance(speed, int | float):
        raise TypeError(
            f'speed must be a number of steps per second or "max", got {type(speed).__name__}'
        )
    else:
        value = float(speed)
        if not math.isfinite(value) or value < SPEED_MIN:
            raise ValueError(f"speed must be a finite number >= {SPEED_MIN:g} steps/s, got {speed}")
    if max_speed is not None and (value is None or value > max_speed):
        value = float(max_speed)
    return value


def speed_text(speed: float | None, batches_per_epoch: int) -> str:
    """``"60 steps/s · 3 epochs/s"``, or ``"max"``."""
    if speed is None:
        return "max"
    epochs = speed / max(1, batches_per_epoch)
    return f"{speed:,.0f} steps/s · {epochs:.2g} epochs/s"


class SpeedControl(HBox):
    """A logarithmic pace slider, 1 step/s up to "max", with the epochs per second beside.

    ``value`` is a number of steps per second or ``"max"``.
    """

    value = Any(MAX)
    batches_per_epoch = Int(1)

    def __init__(self, value=MAX, batches_per_epoch: int = 1) -> None:
        self.slider = FloatLogSlider(
            base=10,
            min=math.log10(SPEED_MIN),
            max=SPEED_TOP_EXP,
            step=0.01,
            value=10**SPEED_TOP_EXP,
            description="speed",
            readout=False,
            continuous_update=True,
            style={"description_width": "44px"},
            layout=Layout(width="170px"),
        )
        self.readout = HTML(layout=Layout(width="auto", margin="0 12px 0 2px"))
        self._built = False
        self.readout.add_class("nnw-speed-readout")
        super().__init__([self.slider, self.readout], layout=Layout(align_items="center"))
        self.add_class("nnw-speed")
        self.batches_per_epoch = max(1, int(batches_per_epoch))
        self.value = value
        self._built = True
        self._show()
        self.slider.observe(self._from_slider, names="value")

    def _from_slider(self, change) -> None:
        exponent = math.log10(change["new"])
        if exponent >= SPEED_TOP_EXP - 1e-9:
            self.value = MAX
            return
        shown = self.value
        if shown != MAX and abs(exponent - math.log10(shown)) <= SNAP:
            return  # the slider's grid rounding a pace set in code (200 -> 199.5): keep it
        self.value = round(float(change["new"]), 1)

    @validate("value")
    def _valid_value(self, proposal):
        value = check_speed(proposal["value"])
        return MAX if value is None else value

    @observe("value")
    def _on_value(self, change) -> None:
        value = check_speed(change["new"])
        target = 10**SPEED_TOP_EXP if value is None else min(value, 10**SPEED_TOP_EXP * 0.999)
        if abs(math.log10(self.slider.value) - math.log10(target)) > 1e-6:
            self.slider.value = target
        self._show()

    @observe("batches_per_epoch")
    def _on_batches(self, _change) -> None:
        self._show()

    def _show(self) -> None:
        if not self._built:
            return
        speed = check_speed(self.value)
        self.readout.value = speed_text(speed, self.batches_per_epoch)
