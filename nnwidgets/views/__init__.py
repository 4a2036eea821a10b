"""bqplot views: each built once, then updated in place from a Snapshot and a History.

A new view is one small module plus one entry in ``VIEWS``.
"""

from .activations import ActivationsView
from .base import View, ViewContext
from .boundary import BoundaryView
from .gradients import GradientsView
from .landscape import LandscapeView
from .loss import LossView
from .network import NetworkView
from .weights import WeightsView

VIEWS: dict[str, type[View]] = {
    v.name: v
    for v in (
        LossView,
        WeightsView,
        GradientsView,
        ActivationsView,
        BoundaryView,
        NetworkView,
        LandscapeView,
    )
}

__all__ = [
    "VIEWS",
    "ActivationsView",
    "BoundaryView",
    "GradientsView",
    "LandscapeView",
    "LossView",
    "NetworkView",
    "View",
    "ViewContext",
    "WeightsView",
]
