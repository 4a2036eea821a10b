"""URL presets: a playground's setup as a query string, as TensorFlow Playground's
shareable URL (``?dataset=spiral&layers=8,8&activation=relu&lr=0.03``).

Each query key maps to one entry of ``nw.playground(config=...)``:

============== ======================== ==============================================
key            config entry             accepted values
============== ======================== ==============================================
dataset        dataset.name             moons, circles, xor, spiral, gaussians, sine
noise          dataset.noise            0 to 0.5
train_fraction 1 - dataset.test_fraction 0.1 to 0.9 (the "train part")
data_seed      dataset.seed             a whole number, 0 to 4294967295
layers         model.sizes (hidden)     up to 6 widths of 1 to 16, e.g. ``8,8``; empty
                                        (``layers=``) or ``none`` for no hidden layer
activation     model.activation         elu, gelu, leaky_relu, linear, relu, sigmoid, tanh
features       model.features           some of x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2)
optimizer      optimizer.name           sgd, adam, adamw, rmsprop, adagrad
lr             optimizer.lr             1e-05 to 10
batch_size     batch_size               1 to 200 (at most the training set)
l1, l2         l1, l2                   one of the dashboard's rates: 0, 1e-05, ... 1
seed           seed (weights, batches)  a whole number; also the data's without data_seed
speed          speed                    1 to 10000 steps per second, or ``max``
hide           hide                     control names, e.g. ``l1,l2`` (see HIDEABLE)
views          views                    view names, e.g. ``network,boundary,loss``
============== ======================== ==============================================

Lists are comma-separated; the server's own keys (``token``, ``template``, ``theme``) are
left alone. The query is parsed with :func:`urllib.parse.parse_qs` and every
value checked against these tables and ranges: nothing is evaluated. A bad value, an
unknown key or a repeated key is reported (:attr:`Preset.problems`) and left out, so that
the default applies to that key and the good keys still do. A query longer than
``MAX_QUERY_CHARS`` is cut.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlencode

from ..core.activations import ACTIVATIONS
from ..core.features import FEATURES
from ..core.optim import OPTIMIZERS
from ..views import VIEWS
from .architecture import MAX_HIDDEN_LAYERS, MAX_NEURONS, MIN_NEURONS
from .controls import HIDEABLE as DASHBOARD_HIDEABLE
from .controls import LR_MAX_EXP, LR_MIN_EXP, PENALTY_RATES
from .pace import MAX, SPEED_MIN, SPEED_TOP_EXP

# The playground's setup tables (the playground imports them from here).
PLANE_DATASETS = ["moons", "circles", "xor", "spiral", "gaussians", "sine"]
# the network in the middle column, boundary and loss on the right, the others below
PLAYGROUND_VIEWS = ("network", "boundary", "loss", "weights", "gradients")
SETUP_HIDEABLE = (
    "dataset",
    "noise",
    "train_fraction",
    "regenerate",
    "layers",
    "neurons",
    "activation",
    "features",
    "share",
)
HIDEABLE = DASHBOARD_HIDEABLE + SETUP_HIDEABLE

# the server's own query keys (Voila's template and theme, Jupyter's token): not ours
SERVER_KEYS = ("token", "template", "theme", "voila-template", "voila-theme", "_xsrf")
MAX_QUERY_CHARS = 2000  # a longer query is cut (and the cut reported)
MAX_SHOWN_CHARS = 40  # of a refused value or key, in a message
MAX_SEED = 2**32 - 1
MAX_BATCH_SIZE = 200  # the playground's data sets have 200 points
NOISE_RANGE = (0.0, 0.5)
TRAIN_RANGE = (0.1, 0.9)
LR_RANGE = (10.0**LR_MIN_EXP, 10.0**LR_MAX_EXP)
SPEED_TOP = 10.0**SPEED_TOP_EXP
SERVE_NOTE = "works with nnwidgets serve: http://HOST:PORT/ followed by this query"

_NUMBER = re.compile(r"[+-]?(\d{1,12}(\.\d{0,12})?|\.\d{1,12})([eE][+-]?\d{1,3})?", re.ASCII)
_WHOLE = re.compile(r"\d{1,10}", re.ASCII)


class BadValue(ValueError):
    """A query value that is not accepted; its text says what is expected."""


@dataclass
class Preset:
    """A parsed query: ``values`` (key -> checked value, the accepted keys only),
    ``config`` (the same as a partial ``nw.playground(config=...)``) and ``problems``
    (one readable line per refused value, unknown or repeated key)."""

    values: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def config(self) -> dict:
        """The accepted values as a ``Playground`` config (missing entries: defaults)."""
        return to_config(self.values)

    @property
    def message(self) -> str:
        """The problems in one line, for the dashboard's message line ("" when none)."""
        if not self.problems:
            return ""
        return "URL preset: " + "; ".join(self.problems) + " (defaults used for those)"


# ------------------------------------------------------------------ value checks
def _number(text: str, lo: float, hi: float) -> float:
    expected = f"must be a number from {lo:g} to {hi:g}"
    if not _NUMBER.fullmatch(text.strip()):
        raise BadValue(expected)
    value = float(text)
    if not (math.isfinite(value) and lo <= value <= hi):
        raise BadValue(expected)
    return value


def _whole(text: str, lo: int, hi: int) -> int:
    expected = f"must be a whole number from {lo} to {hi}"
    if not _WHOLE.fullmatch(text.strip()):
        raise BadValue(expected)
    value = int(text)
    if not lo <= value <= hi:
        raise BadValue(expected)
    return value


def _choice(what: str, table) -> Callable[[str], str]:
    names = list(table)

    def parse(text: str) -> str:
        if text.strip() not in names:
            raise BadValue(f"unknown {what}; expected one of {', '.join(names)}")
        return text.strip()

    return parse


def _names(what: str, table, allow_empty: bool = True) -> Callable[[str], list]:
    names = list(table)

    def parse(text: str) -> list:
        items = [t.strip() for t in text.split(",") if t.strip()]
        unknown = [t for t in items if t not in names]
        if unknown:
            raise BadValue(
                f"unknown {what} {_shown(unknown[0])}; expected some of {', '.join(names)}"
            )
        if not items and not allow_empty:
            raise BadValue(f"needs at least one {what}; expected some of {', '.join(names)}")
        return list(dict.fromkeys(items))  # in the order given, once each

    return parse


def _layers(text: str) -> list[int]:
    expected = (
        f"must be up to {MAX_HIDDEN_LAYERS} whole numbers from {MIN_NEURONS} to {MAX_NEURONS} "
        "separated by commas (e.g. 8,8), or none"
    )
    text = text.strip()
    if text in ("", "none"):
        return []
    parts = text.split(",")
    if len(parts) > MAX_HIDDEN_LAYERS or not all(_WHOLE.fullmatch(p.strip()) for p in parts):
        raise BadValue(expected)
    widths = [int(p) for p in parts]
    if not all(MIN_NEURONS <= w <= MAX_NEURONS for w in widths):
        raise BadValue(expected)
    return widths


def _penalty(text: str) -> float:
    expected = f"must be one of {', '.join(f'{r:g}' for r in PENALTY_RATES)}"
    try:
        value = _number(text, 0.0, max(PENALTY_RATES))
    except BadValue:
        raise BadValue(expected) from None
    for rate in PENALTY_RATES:
        if math.isclose(value, rate, rel_tol=1e-9, abs_tol=1e-12):
            return rate
    raise BadValue(expected)


def _speed(text: str) -> float | str:
    if text.strip() == MAX:
        return MAX
    try:
        return _number(text, SPEED_MIN, SPEED_TOP)
    except BadValue:
        raise BadValue(f"must be max or a number from {SPEED_MIN:g} to {SPEED_TOP:g}") from None


#: key -> its check (the query's text to a value; ``BadValue`` says what is expected)
KEYS: dict[str, Callable[[str], object]] = {
    "dataset": _choice("data set", PLANE_DATASETS),
    "noise": lambda t: round(_number(t, *NOISE_RANGE), 2),
    "train_fraction": lambda t: round(_number(t, *TRAIN_RANGE), 2),
    "data_seed": lambda t: _whole(t, 0, MAX_SEED),
    "layers": _layers,
    "activation": _choice("activation", sorted(ACTIVATIONS)),
    "features": _names("feature", FEATURES, allow_empty=False),
    "optimizer": _choice("optimizer", OPTIMIZERS),
    "lr": lambda t: _number(t, *LR_RANGE),
    "batch_size": lambda t: _whole(t, 1, MAX_BATCH_SIZE),
    "l1": _penalty,
    "l2": _penalty,
    "seed": lambda t: _whole(t, 0, MAX_SEED),
    "speed": _speed,
    "hide": _names("control", HIDEABLE),
    "views": _names("view", VIEWS),
}


def _shown(text: str) -> str:
    text = "".join(c if c.isprintable() else "?" for c in text)
    if len(text) > MAX_SHOWN_CHARS:
        return text[: MAX_SHOWN_CHARS - 1] + "…"
    return text


# ------------------------------------------------------------------ parsing
def parse_query(query: str | None) -> Preset:
    """The setup a query string asks for (a leading ``?`` is allowed); never raises for
    any text: refused values, unknown and repeated keys are in ``problems``."""
    preset = Preset()
    if query is not None and not isinstance(query, str):
        preset.problems.append("ignored the query: not text")
        return preset
    query = (query or "").strip().removeprefix("?")
    if len(query) > MAX_QUERY_CHARS:
        query = query[:MAX_QUERY_CHARS].rpartition("&")[0]
        preset.problems.append(f"the query was cut to its first {MAX_QUERY_CHARS} characters")
    try:
        fields = parse_qs(query, keep_blank_values=True, errors="replace")
    except ValueError:  # parse_qs refuses little, but nothing here may raise
        preset.problems.append("ignored the query: it could not be read")
        return preset
    for raw_key, texts in fields.items():
        key = raw_key.strip().lower()
        if key in SERVER_KEYS:
            continue
        check = KEYS.get(key)
        if check is None:
            preset.problems.append(
                f"ignored {_shown(raw_key)}: unknown key; expected one of {', '.join(KEYS)}"
            )
            continue
        if len(texts) > 1:
            preset.problems.append(
                f"{key} was given {len(texts)} times: used the first ({_shown(texts[0])})"
            )
        try:
            preset.values[key] = check(texts[0])
        except BadValue as err:
            preset.problems.append(f"ignored {key}={_shown(texts[0])}: {err}")
    return preset


def to_config(values: Mapping) -> dict:
    """The checked ``values`` (key -> value, see ``KEYS``) as a partial ``Playground``
    config; the entries left out take the playground's defaults."""
    config: dict = {}
    data = {}
    if "dataset" in values:
        data["name"] = values["dataset"]
    if "noise" in values:
        data["noise"] = values["noise"]
    if "train_fraction" in values:
        data["test_fraction"] = round(1 - values["train_fraction"], 4)
    if "data_seed" in values:
        data["seed"] = values["data_seed"]
    elif "seed" in values:  # as nw.playground(seed=...): the data's seed too
        data["seed"] = values["seed"]
    if data:
        config["dataset"] = data
    model = {}
    if "layers" in values:
        model["sizes"] = [2, *values["layers"], 1]  # the ends follow the data
    if "activation" in values:
        model["activation"] = values["activation"]
    if "features" in values:
        model["features"] = list(values["features"])
    if model:
        config["model"] = model
    if "optimizer" in values or "lr" in values:
        config["optimizer"] = {"name": values.get("optimizer", "sgd")}
        if "lr" in values:
            config["optimizer"]["lr"] = values["lr"]
        elif config["optimizer"]["name"] == "sgd":
            config["optimizer"]["lr"] = 0.1  # the playground's default rate
    for key in ("batch_size", "l1", "l2", "seed", "speed"):
        if key in values:
            config[key] = values[key]
    for key in ("hide", "views"):
        if key in values:
            config[key] = list(values[key])
    return config


# ------------------------------------------------------------------ building
def _number_text(value: float) -> str:
    return format(float(value), ".6g")


def query_values(config: Mapping) -> dict[str, str]:
    """The query's values (key -> text) for a whole playground config (``pg.config``)."""
    data = config.get("dataset") or {}
    model = config.get("model") or {}
    opt = config.get("optimizer") or {}
    acts = model.get("activation", "tanh")
    activation = acts[0] if isinstance(acts, list) and acts else acts
    if not isinstance(activation, str):
        activation = "tanh"
    speed = config.get("speed", MAX)
    values = {
        "dataset": data.get("name", "moons"),
        "noise": _number_text(data.get("noise", 0.15)),
        "train_fraction": _number_text(round(1 - data.get("test_fraction", 0.2), 4)),
        "data_seed": str(data.get("seed", 0)),
        "layers": ",".join(str(w) for w in model.get("sizes", [2, 8, 8, 1])[1:-1]),
        "activation": activation,
        "features": ",".join(model.get("features") or ("x1", "x2")),
        "optimizer": opt.get("name", "sgd"),
        "lr": _number_text(opt.get("lr", 0.1)),
        "batch_size": str(config.get("batch_size", 10)),
        "l1": _number_text(config.get("l1", 0.0)),
        "l2": _number_text(config.get("l2", 0.0)),
        "seed": str(config.get("seed", 0)),
        "speed": MAX if speed in (None, MAX) else _number_text(speed),
        "hide": ",".join(config.get("hide") or ()),
        "views": ",".join(config.get("views") or ()),
    }
    return values


def build_query(config: Mapping) -> str:
    """The query string (without ``?``) of a whole playground config: every key, so that
    the URL gives the same setup whatever the defaults of a later version."""
    return urlencode(query_values(config), quote_via=quote, safe=",")


# ------------------------------------------------------------------ serving
def served_query() -> str:
    """The query string of the page this kernel serves ("" in a notebook).

    In a kernel Voila started ahead (``--preheat``), this waits for the student's
    request (``voila.utils.get_query_string``), so that the playground is built with it.
    Never raises: when the request cannot be read, the query is ""."""
    try:
        if os.environ.get("VOILA_PREHEAT") == "True":
            from voila.utils import get_query_string

            return get_query_string() or ""
    except Exception:  # a preset must never stop the page: it falls back to defaults
        return ""
    return os.environ.get("QUERY_STRING", "")


def _hub_redirect(path: str, env: Mapping[str, str]) -> str | None:
    """Under JupyterHub, the page's path through the hub's ``user-redirect``
    (``/hub/user-redirect/voila/render/playground.ipynb``), which opens the same page in
    the server of whoever follows it (``/user/alice/...`` opens for alice only); None
    outside a hub's single-user server. With the hub's public URL configured
    (``JupyterHub.public_url``), the whole address."""
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX")  # "/user/alice/" (set by the spawner)
    if not prefix or not path.startswith(prefix):
        return None
    rest = path[len(prefix) :]
    public_hub = env.get("JUPYTERHUB_PUBLIC_HUB_URL")
    if public_hub:
        return public_hub.rstrip("/") + "/user-redirect/" + rest
    base = env.get("JUPYTERHUB_BASE_URL") or "/"
    return base.rstrip("/") + "/hub/user-redirect/" + rest


def page_base_url(env: Mapping[str, str] | None = None) -> str | None:
    """The address of the page this kernel serves, without its query (from the request's
    ``SERVER_NAME``, ``SERVER_PORT`` and ``SCRIPT_NAME``, as Voila passes them), or None
    outside Voila. Under JupyterHub, the address through the hub's ``user-redirect``,
    so that it opens for every student (in their own server)."""
    env = os.environ if env is None else env
    host = env.get("SERVER_NAME")
    if not host or not (env.get("VOILA_KERNEL_ID") or env.get("VOILA_BASE_URL")):
        return None
    path = env.get("SCRIPT_NAME") or "/"
    hub_path = _hub_redirect(path, env)
    if hub_path is not None and "://" in hub_path:
        return hub_path
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = env.get("SERVER_PORT", "")
    return f"http://{host}{':' + port if port else ''}{hub_path or path}"


def share_url(config: Mapping, env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The URL of a playground's setup and a note: in Voila the page's address plus the
    query; elsewhere (a notebook) the query alone, with a note on where it works."""
    query = "?" + build_query(config)
    base = page_base_url(env)
    if base is None:
        return query, SERVE_NOTE
    return base + query, "this setup's address: copy it to share"


__all__ = [
    "HIDEABLE",
    "KEYS",
    "MAX_QUERY_CHARS",
    "PLANE_DATASETS",
    "PLAYGROUND_VIEWS",
    "Preset",
    "build_query",
    "page_base_url",
    "parse_query",
    "served_query",
    "share_url",
    "to_config",
]
