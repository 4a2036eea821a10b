"""URL presets: a playground's setup read from a query string (checked, never evaluated),
and the Share control's URL of the current setup."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

import nnwidgets as nw
from nnwidgets.__main__ import PLAYGROUND_APP
from nnwidgets.widgets import presets
from nnwidgets.widgets.playground import Playground
from nnwidgets.widgets.presets import (
    KEYS,
    MAX_QUERY_CHARS,
    build_query,
    page_base_url,
    parse_query,
    served_query,
    share_url,
)

ISSUE_QUERY = "dataset=spiral&layers=8,8&activation=relu&lr=0.03&speed=200&hide=l1,l2"
HOSTILE_QUERY = "dataset=__import__('os')&layers=abc&lr=-1"

# one good value per key, and what it becomes
GOOD = {
    "dataset": ("xor", "xor"),
    "noise": ("0.3", 0.3),
    "train_fraction": ("0.5", 0.5),
    "data_seed": ("7", 7),
    "layers": ("4,3,2", [4, 3, 2]),
    "activation": ("relu", "relu"),
    "features": ("x1,x2,x1^2,sin(x1)", ["x1", "x2", "x1^2", "sin(x1)"]),
    "optimizer": ("adam", "adam"),
    "lr": ("0.03", 0.03),
    "batch_size": ("25", 25),
    "l1": ("1e-3", 0.001),
    "l2": ("0.01", 0.01),
    "seed": ("3", 3),
    "speed": ("200", 200.0),
    "hide": ("l1,l2", ["l1", "l2"]),
    "views": ("network,boundary,loss", ["network", "boundary", "loss"]),
}

# bad values per key: each is refused with a message that names the key
BAD = {
    "dataset": ["__import__('os')", "MOONS", "", "mnist"],
    "noise": ["-0.1", "0.6", "nan", "abc", "1e999"],
    "train_fraction": ["0", "1", "0.95", "x"],
    "data_seed": ["-1", "1.5", "99999999999", "0x10"],
    "layers": ["abc", "8,,8", "0", "17", "1,2,3,4,5,6,7", "8;8", "-8", "8.5"],
    "activation": ["softmax", "os.system('ls')"],
    "features": ["x3", "", "x1,__class__"],
    "optimizer": ["lbfgs", "SGD"],
    "lr": ["-1", "0", "11", "inf", "1e-9", "0.1)", "__import__('os')"],
    "batch_size": ["0", "201", "2.5", "ten"],
    "l1": ["0.5", "-1", "x"],
    "l2": ["2", "abc"],
    "seed": ["-3", "abc"],
    "speed": ["0", "0.5", "10001", "fast", "nan"],
    "hide": ["everything", "l1,__dict__"],
    "views": ["bogus", "loss,<script>"],
}


# ------------------------------------------------------------------ parsing
def test_every_key_is_tested():
    assert set(GOOD) == set(KEYS) == set(BAD)


@pytest.mark.parametrize("key", sorted(GOOD))
def test_each_key_reads_its_value(key):
    text, value = GOOD[key]
    preset = parse_query(f"{key}={text}")
    assert preset.problems == []
    assert preset.values == {key: value}


@pytest.mark.parametrize("key,text", [(k, t) for k, texts in BAD.items() for t in texts])
def test_a_bad_value_is_refused_with_a_message_that_names_its_key(key, text):
    preset = parse_query(f"{key}={text}&dataset=spiral" if key != "dataset" else f"{key}={text}")
    assert key not in preset.values
    assert len(preset.problems) == 1
    assert preset.problems[0].startswith(f"ignored {key}=")
    if key != "dataset":  # the good keys still apply
        assert preset.values == {"dataset": "spiral"}


def test_the_issue_query():
    preset = parse_query("?" + ISSUE_QUERY)
    assert preset.problems == []
    assert preset.values == {
        "dataset": "spiral",
        "layers": [8, 8],
        "activation": "relu",
        "lr": 0.03,
        "speed": 200.0,
        "hide": ["l1", "l2"],
    }


def test_the_hostile_query_is_reported_key_by_key():
    preset = parse_query(HOSTILE_QUERY)
    assert preset.values == {}
    assert [p.split("=")[0] for p in preset.problems] == [
        "ignored dataset",
        "ignored layers",
        "ignored lr",
    ]
    assert "unknown data set; expected one of moons, circles, xor, spiral" in preset.problems[0]
    assert "must be a number from 1e-05 to 10" in preset.problems[2]
    assert preset.message.startswith("URL preset: ignored dataset=__import__('os')")


@pytest.mark.parametrize(
    "query",
    [
        "dataset=%00%ff%fe",
        "lr=1e308&lr=__import__('os').system('echo')",
        "=&&&=x&%%%&?",
        "layers=" + "8," * 10_000,
        "features=" + "x1," * 5_000,
        "a" * 100_000,
        "x=" + "\u202e" * 50,
        "dataset=\nspiral",
        "__class__=1&__init__=2",
    ],
)
def test_hostile_strings_never_raise(query):
    preset = parse_query(query)
    for problem in preset.problems:
        assert len(problem) < 600
        assert all(c.isprintable() for c in problem)


def test_nothing_is_evaluated(monkeypatch):
    calls = []
    monkeypatch.setattr("builtins.eval", lambda *a: calls.append(a))
    monkeypatch.setattr("builtins.exec", lambda *a: calls.append(a))
    parse_query("lr=__import__('os')&dataset=spiral&layers=eval('8')")
    assert calls == []


def test_unknown_keys_are_reported_and_ignored():
    preset = parse_query("dataset=spiral&learning_rate=0.3&networkShape=4,2")
    assert preset.values == {"dataset": "spiral"}
    assert preset.problems[0].startswith("ignored learning_rate: unknown key; expected one of")
    assert preset.problems[1].startswith("ignored networkShape: unknown key")


def test_the_servers_own_keys_are_left_alone():
    preset = parse_query("token=abc&dataset=xor&theme=dark&template=lab")
    assert preset.values == {"dataset": "xor"} and preset.problems == []


def test_a_repeated_key_uses_the_first_and_says_so():
    preset = parse_query("dataset=spiral&dataset=xor")
    assert preset.values == {"dataset": "spiral"}
    assert preset.problems == ["dataset was given 2 times: used the first (spiral)"]


def test_keys_are_case_insensitive_and_blank_values_are_values():
    assert parse_query("DataSet=xor").values == {"dataset": "xor"}
    assert parse_query("layers=").values == {"layers": []}
    assert parse_query("layers=none&hide=").values == {"layers": [], "hide": []}


def test_a_long_query_is_cut_and_the_cut_reported():
    query = "dataset=spiral&" + "&".join(f"lr={i}" for i in range(1000))
    assert len(query) > MAX_QUERY_CHARS
    preset = parse_query(query)
    assert preset.values["dataset"] == "spiral"
    assert preset.problems[0] == f"the query was cut to its first {MAX_QUERY_CHARS} characters"


def test_long_values_are_shortened_in_messages():
    preset = parse_query("dataset=" + "x" * 500)
    assert len(preset.problems[0]) < 200
    assert "…" in preset.problems[0]


def test_no_query_is_no_problem():
    for query in (None, "", "?", "   "):
        preset = parse_query(query)
        assert preset.values == {} and preset.problems == [] and preset.message == ""
        assert preset.config == {}


# ------------------------------------------------------------------ the playground
def test_the_issue_query_builds_that_playground():
    pg = nw.playground(query=ISSUE_QUERY)
    assert pg.dataset.value == "spiral"
    assert pg.hidden == [8, 8]
    assert pg.activation.value == "relu"
    assert pg.trainer.base_lr == pytest.approx(0.03)
    assert pg.dashboard.controls.lr.value == pytest.approx(0.03)
    assert pg.speed == 200.0
    assert pg.hidden_controls == ("l1", "l2")
    assert pg.dashboard.controls.message.value == ""
    same = Playground.from_query("?" + ISSUE_QUERY)
    assert same.config == pg.config


def test_every_key_reaches_the_playground():
    query = "&".join(f"{k}={text}" for k, (text, _) in GOOD.items())
    pg = nw.playground(query=query)
    assert pg.preset.problems == []
    cfg = pg.config
    assert cfg["dataset"]["name"] == "xor"
    assert cfg["dataset"]["noise"] == 0.3
    assert cfg["dataset"]["test_fraction"] == 0.5
    assert cfg["dataset"]["seed"] == 7
    assert cfg["model"]["sizes"][1:-1] == [4, 3, 2]
    assert cfg["model"]["activation"] == ["relu"] * 3
    assert cfg["model"]["features"] == ["x1", "x2", "x1^2", "sin(x1)"]
    assert cfg["optimizer"]["name"] == "adam"
    assert cfg["optimizer"]["lr"] == pytest.approx(0.03)
    assert (cfg["batch_size"], cfg["l1"], cfg["l2"], cfg["seed"]) == (25, 0.001, 0.01, 3)
    assert cfg["speed"] == 200.0
    assert cfg["hide"] == ["l1", "l2"]
    assert cfg["views"] == ["network", "boundary", "loss"]


def test_the_seed_alone_seeds_the_data_too():
    pg = nw.playground(query="seed=5")
    assert pg.config["dataset"]["seed"] == 5
    assert pg.config["seed"] == 5


def test_a_hostile_query_gives_a_message_and_the_default_playground():
    pg = nw.playground(query=HOSTILE_QUERY)
    message = pg.dashboard.controls.message.value
    assert "ignored dataset=__import__(&#x27;os&#x27;): unknown data set" in message
    assert "ignored layers=abc" in message and "ignored lr=-1" in message
    assert "Traceback" not in message
    assert pg.config == nw.playground().config
    note = pg.preset_note.value  # a note above the dashboard, that no action clears
    assert pg.children[0] is pg.preset_note and pg.children[1] is pg.dashboard
    assert "ignored dataset=__import__(&#x27;os&#x27;): unknown data set" in note
    assert "<br>ignored layers=abc" in note
    assert "nnw-preset-message" in pg.preset_note._dom_classes
    pg.step()
    assert "ignored lr=-1" in pg.preset_note.value


def test_a_good_query_adds_no_note():
    pg = nw.playground(query=ISSUE_QUERY)
    assert list(pg.children) == [pg.dashboard]


def test_bad_keys_fall_back_and_good_keys_apply():
    pg = nw.playground(query="dataset=spiral&lr=-1&activation=relu&layers=abc")
    assert pg.dataset.value == "spiral" and pg.activation.value == "relu"
    assert pg.trainer.base_lr == pytest.approx(0.1)
    assert pg.hidden == [8, 8]
    assert "ignored lr=-1" in pg.dashboard.controls.message.value


def test_from_query_takes_only_what_the_query_cannot_say():
    pg = Playground.from_query("dataset=xor", max_speed=100, refresh_hz=5)
    assert pg.dataset.value == "xor"
    with pytest.raises(TypeError, match="from_query takes the setup from the query"):
        Playground.from_query("dataset=xor", dataset="moons")


def test_hiding_share_hides_the_share_box():
    pg = nw.playground(query="hide=share")
    assert pg.share.layout.display == "none"
    assert "share" in pg.hidden_controls


# ------------------------------------------------------------------ round trip and Share
@pytest.mark.parametrize(
    "query",
    [
        ISSUE_QUERY,
        "",
        "&".join(f"{k}={text}" for k, (text, _) in GOOD.items()),
        "layers=&speed=max&optimizer=rmsprop&features=x1,x2,x1*x2",
        "dataset=sine&noise=0&train_fraction=0.9&l2=1",
    ],
)
def test_query_playground_share_round_trips(query):
    pg = nw.playground(query=query)
    shared = pg.show_share()
    assert shared.startswith("?")
    assert pg.share_url.value == shared
    again = parse_query(shared)
    assert again.problems == []
    rebuilt = nw.playground(query=shared)
    assert rebuilt.config == pg.config
    assert rebuilt.query == pg.query == shared[1:]
    if query:  # every key the query set is in the shared one, with the same value
        first = parse_query(query).values
        assert {k: again.values[k] for k in first} == first


def test_a_change_shows_in_the_next_share():
    pg = nw.playground()
    pg.dataset.value = "circles"
    pg.remove_layer()
    pg.dashboard.controls.lr.value = 0.3
    values = parse_qs(pg.show_share()[1:], keep_blank_values=True)
    assert values["dataset"] == ["circles"]
    assert values["layers"] == ["8"]
    assert float(values["lr"][0]) == pytest.approx(0.3)


def test_the_share_text_is_read_only_and_notes_serve_in_a_notebook(monkeypatch):
    for name in ("SERVER_NAME", "VOILA_KERNEL_ID", "VOILA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    pg = nw.playground()
    assert pg.share_url.value == ""
    url = pg.show_share()
    assert url == "?" + pg.query
    assert "nnwidgets serve" in pg.share_note.value
    pg.share_url.value = "http://elsewhere/?dataset=xor"  # an edit snaps back
    assert pg.share_url.value == url
    assert "nnw-share" in pg.share._dom_classes
    assert "nnw-share-button" in pg.share_button._dom_classes
    assert "nnw-share-url" in pg.share_url._dom_classes
    assert pg.share in pg.data_column.children


def test_the_share_button_fills_the_text():
    pg = nw.playground(query="dataset=xor")
    pg.share_button.click()
    assert pg.share_url.value.startswith("?dataset=xor&")


def test_in_voila_share_gives_the_page_address(monkeypatch):
    env = {
        "VOILA_KERNEL_ID": "k",
        "SERVER_NAME": "class.local",
        "SERVER_PORT": "8866",
        "SCRIPT_NAME": "/",
    }
    assert page_base_url(env) == "http://class.local:8866/"
    assert page_base_url({**env, "SERVER_NAME": "::1"}) == "http://[::1]:8866/"
    assert page_base_url({**env, "SERVER_PORT": ""}) == "http://class.local/"
    assert page_base_url({"SERVER_NAME": "x"}) is None  # not Voila
    url, note = share_url(nw.playground().config, env)
    assert url.startswith("http://class.local:8866/?dataset=moons&")
    assert "nnwidgets serve" not in note
    monkeypatch.setattr(presets.os, "environ", {**env, "SCRIPT_NAME": "/voila/render/a.ipynb"})
    pg = nw.playground(query="dataset=xor")
    assert pg.show_share().startswith("http://class.local:8866/voila/render/a.ipynb?dataset=xor&")


def test_build_query_lists_every_key_in_order():
    query = build_query(nw.playground().config)
    assert [part.split("=")[0] for part in query.split("&")] == list(KEYS)


# ------------------------------------------------------------------ served
def test_served_query_reads_the_request(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert served_query() == ""
    monkeypatch.setenv("QUERY_STRING", "dataset=xor")
    assert served_query() == "dataset=xor"


def test_served_query_waits_for_the_request_in_a_preheated_kernel(monkeypatch):
    import voila.utils

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(voila.utils, "get_query_string", lambda: "dataset=spiral")
    assert served_query() == "dataset=spiral"

    def broken():
        raise OSError("no server")

    monkeypatch.setattr(voila.utils, "get_query_string", broken)
    assert served_query() == ""
    monkeypatch.setattr(voila.utils, "get_query_string", lambda: None)
    assert served_query() == ""


def run_served_notebook():
    *body, last = PLAYGROUND_APP.strip().splitlines()
    namespace: dict = {}
    exec("\n".join(body), namespace)  # the notebook's own source, as the kernel runs it
    return eval(last, namespace)


def test_the_served_notebook_builds_the_preset(monkeypatch):
    from ipywidgets.widgets.widget import _instances

    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", ISSUE_QUERY)
    before = set(_instances)
    pg = run_served_notebook()
    assert pg.dataset.value == "spiral"
    assert pg.trainer.base_lr == pytest.approx(0.03)
    # the default playground built ahead of the request is gone, widgets and all
    left = {_instances[i] for i in set(_instances) - before}
    assert pg in left and pg.dashboard in left
    assert not any(isinstance(w, Playground) and w is not pg for w in left)
    assert not any(
        getattr(w, "description", None) == "data set" and w is not pg.dataset for w in left
    )


def test_the_served_notebook_without_a_query_is_the_default_playground(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "")
    pg = run_served_notebook()
    assert pg.config == nw.playground().config
    assert list(pg.children) == [pg.dashboard]


def test_a_preheated_kernel_reaches_the_server_on_its_address():
    from nnwidgets.classroom.app import request_ip

    assert request_ip("127.0.0.1") == "127.0.0.1"
    assert request_ip("0.0.0.0") == "127.0.0.1"
    assert request_ip("192.168.1.20") == "192.168.1.20"
    assert request_ip("::") == "[::1]"
    assert request_ip("fe80::1") == "[fe80::1]"
    assert request_ip("class.local") == "class.local"


def test_under_jupyterhub_share_goes_through_the_hubs_user_redirect():
    """alice's page is /user/alice/voila/...: a classmate following that gets no page, so
    the shared address is the hub's user-redirect, which opens their own server."""
    env = {
        "VOILA_KERNEL_ID": "k",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SCRIPT_NAME": "/user/alice/voila/render/playground.ipynb",
        "JUPYTERHUB_SERVICE_PREFIX": "/user/alice/",
        "JUPYTERHUB_BASE_URL": "/",
        "JUPYTERHUB_PUBLIC_HUB_URL": "",
    }
    redirect = "/hub/user-redirect/voila/render/playground.ipynb"
    assert page_base_url(env) == "http://127.0.0.1:8000" + redirect
    assert page_base_url({**env, "JUPYTERHUB_BASE_URL": "/class/"}) == (
        "http://127.0.0.1:8000/class" + redirect
    )
    public = {**env, "JUPYTERHUB_PUBLIC_HUB_URL": "https://class.example.org/hub/"}
    assert page_base_url(public) == "https://class.example.org" + redirect
    # a path outside the student's server (or no hub) is left as it is
    assert page_base_url({**env, "SCRIPT_NAME": "/other/a.ipynb"}) == (
        "http://127.0.0.1:8000/other/a.ipynb"
    )
    url, _ = share_url(nw.playground(query="dataset=xor").config, env)
    assert url.startswith(f"http://127.0.0.1:8000{redirect}?dataset=xor&")
