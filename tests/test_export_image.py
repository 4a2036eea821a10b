"""The dashboard as one PNG or SVG: the composition (headless, made-up figures), and the
export's round trip through a stand-in for the page's module (page_export.js).

The real page is tested in tests/browser/test_export_downloads.py.
"""

from __future__ import annotations

import struct
import time
import warnings
import xml.etree.ElementTree as ET
import zlib

import pytest

import nnwidgets as nw
from nnwidgets.widgets.composite import PlacedFigure, compose_svg, png_size, svg_size
from nnwidgets.widgets.export import NO_PAGE, Export, ExportError

SVG = "{http://www.w3.org/2000/svg}"


def fake_figure(title: str, width: int = 200, height: int = 150, bg: str = "rgb(1, 2, 3)") -> str:
    """An SVG as bqplot's get_svg writes one: inlined styles, background on the root."""
    return (
        f'<svg class="svg-figure" version="1.1" xmlns="http://www.w3.org/2000/svg" '
        f'xmlns:xlink="http://www.w3.org/1999/xlink" width="{width}" height="{height}" '
        f'style="background: {bg};"><defs><style type="text/css"><![CDATA[\n'
        ":root { --bq-mainheading-fill: black; }\n.bqplot .g_legend { fill: none; }\n]]>"
        '</style></defs><g><text class="mainheading">'
        f'{title}</text><path d="M0,0L10,10" style="stroke: red;"></path></g></svg>'
    )


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid RGBA PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# ------------------------------------------------------------------ composition
def test_figures_are_nested_where_they_sit_on_screen():
    figures = [
        PlacedFigure("loss", fake_figure("Loss", 300, 200), x=110.0, y=50.0),
        PlacedFigure("boundary", fake_figure("Boundary", 250, 240), x=414.5, y=50.0),
        PlacedFigure("weights", '<?xml version="1.0"?>\n' + fake_figure("W0"), x=110.0, y=300.0),
    ]
    text = compose_svg(figures)
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    # from the leftmost, topmost corner to the farthest edges
    assert (root.get("width"), root.get("height")) == ("554.5", "400")
    assert root.get("viewBox") == "0 0 554.5 400"
    assert svg_size(text).width == 554.5
    groups = [g for g in root.iter(f"{SVG}g") if "nnw-export-figure" in g.get("class", "")]
    assert [g.get("data-view") for g in groups] == ["loss", "boundary", "weights"]
    assert all("bqplot" in g.get("class").split() for g in groups)
    nested = [g.find(f"{SVG}svg") for g in groups]
    assert [(s.get("x"), s.get("y")) for s in nested] == [("0", "0"), ("304.5", "0"), ("0", "250")]
    assert [s.get("width") for s in nested] == ["300", "250", "200"]
    # each figure's background behind it, the first one's behind everything
    rects = [g.find(f"{SVG}rect") for g in groups]
    assert [r.get("fill") for r in rects] == ["rgb(1, 2, 3)"] * 3
    assert root.find(f"{SVG}rect").get("fill") == "rgb(1, 2, 3)"
    assert {"Loss", "Boundary", "W0"} <= set(root.itertext())
    assert text.count("<?xml") == 1  # the figures' own prologs are dropped
    assert root.find(f"{SVG}title").text == "nnwidgets dashboard"


def test_a_figure_placed_again_keeps_its_other_attributes():
    svg = fake_figure("Loss").replace("<svg ", '<svg x="7" y="9" ', 1)
    text = compose_svg([PlacedFigure("loss", svg, 20, 30)])
    nested = ET.fromstring(text).find(f"{SVG}g/{SVG}svg")
    assert (nested.get("x"), nested.get("y"), nested.get("class")) == ("0", "0", "svg-figure")
    assert nested.get("style") == "background: rgb(1, 2, 3);"


def test_odd_backgrounds_are_left_out():
    svg = fake_figure("Loss", bg="url('javascript:x')")
    root = ET.fromstring(compose_svg([PlacedFigure("loss", svg, 0, 0)]))
    assert root.find(f"{SVG}rect") is None  # no page fill, no fill behind the figure


@pytest.mark.parametrize(
    ("svg", "match"),
    [
        ("<svg width='10' height='10'><g></svg>", "not well-formed"),
        ("<html width='10' height='10'></html>", "no <svg>|root is <html>"),
        ('<svg xmlns="http://www.w3.org/2000/svg" height="10"></svg>', "width in pixels"),
        ('<svg xmlns="http://www.w3.org/2000/svg" width="50%" height="10"></svg>', "width"),
    ],
)
def test_bad_figures_are_refused_by_name(svg, match):
    with pytest.raises(ValueError, match=f"figure 'loss'.*({match})"):
        compose_svg([PlacedFigure("loss", svg, 0, 0)])


def test_no_figures_is_refused():
    with pytest.raises(ValueError, match="figures must hold at least one"):
        compose_svg([])


def test_png_size_reads_the_header():
    size = png_size(tiny_png(5, 4))
    assert (size.width, size.height) == (5, 4)
    with pytest.raises(ValueError, match="data must be a PNG"):
        png_size(b"GIF89a" + b"\0" * 30)


# ---------------------------------------------------------- the page, stood in for
class FakePage:
    """What page_export.js does, driven by hand: records the kernel's requests and
    answers them through the widget's message handler, as the page would."""

    def __init__(self, dash: nw.Dashboard) -> None:
        self.widget = dash.files.exports.page
        self.requests: list[tuple[dict, list[bytes]]] = []
        self.widget.send = lambda content, buffers=None: self.requests.append(
            (content, [bytes(b) for b in buffers or ()])
        )

    def say(self, content: dict, buffers: list[bytes] = ()) -> None:
        self.widget._handle_custom_msg(content, list(buffers))

    def ready(self, view: str = "view-1") -> None:
        self.say({"event": "ready", "view": view})

    def last(self, do: str) -> tuple[dict, list[bytes]]:
        found = [r for r in self.requests if r[0]["do"] == do]
        assert found, f"no {do!r} request in {[r[0]['do'] for r in self.requests]}"
        return found[-1]

    def send_figures(self, names: dict[int, tuple[float, float]]) -> None:
        """Answer the latest "collect" with the figures at these indexes, at (x, y)."""
        request, _ = self.last("collect")
        found, buffers = [], []
        for index, (x, y) in names.items():
            view = request["figures"][index]["view"]
            found.append({"index": index, "x": x, "y": y, "width": 200, "height": 150})
            buffers.append(fake_figure(f"{view} {index}").encode())
        self.say({"event": "figures", "job": request["job"], "figures": found}, buffers)


@pytest.fixture
def dash():
    board = nw.demo()
    yield board
    for job in board.files.exports.jobs.values():  # no timer outlives its test
        job.timer.cancel()


@pytest.fixture
def page(dash):
    fake = FakePage(dash)
    fake.ready()
    return fake


def message(dash) -> str:
    return dash.controls.message.value


def test_without_a_page_the_api_says_so_at_once(dash):
    with pytest.raises(ExportError, match="No page shows this dashboard"):
        dash.export_png()
    with pytest.raises(ExportError, match="Display the dashboard"):
        dash.export_svg("x.svg")
    dash.controls.export_png.click()  # a click cannot raise: the message line says it
    assert "No page shows this dashboard" in message(dash)
    assert NO_PAGE.startswith("No page")


def test_svg_export_writes_the_composed_image(dash, page, tmp_path):
    figures = list(dash.files.exports._figures())
    assert len(figures) >= 8  # every view's figures are asked for
    export = dash.export_svg(tmp_path / "board")
    request, _ = page.last("collect")
    assert request["view"] == "view-1"
    assert [f["id"] for f in request["figures"]] == [fig.model_id for _, fig in figures]
    assert [f["view"] for f in request["figures"]] == [name for name, _ in figures]
    assert not export.done and "waiting" in repr(export)
    with pytest.raises(ExportError, match="not arrived yet"):
        export.result()
    page.send_figures({0: (10, 20), 3: (214, 20), 7: (10, 174)})
    assert export.done and export.error is None
    assert export.path == tmp_path / "board.svg"
    assert export.path.read_bytes() == export.result()
    root = ET.fromstring(export.data)
    views = [g.get("data-view") for g in root.iter(f"{SVG}g") if g.get("data-view")]
    assert views == [figures[i][0] for i in (0, 3, 7)]
    assert export.n_figures == 3 and (export.size.width, export.size.height) == (404, 304)
    assert f"Exported {tmp_path / 'board.svg'} (3 figures)." in message(dash)
    assert [r[0]["do"] for r in page.requests] == ["collect"]  # no download asked for
    assert "image/svg+xml" in export._repr_mimebundle_()


def test_png_export_is_drawn_by_the_page_and_sent_back(dash, page):
    export = dash.export_png(scale=2)
    page.send_figures({0: (0, 0), 1: (204, 0)})
    request, buffers = page.last("rasterize")
    assert request["scale"] == 2.0 and request["filename"] is None
    assert (request["width"], request["height"]) == (404, 150)
    composed = ET.fromstring(buffers[0])  # the page rasterises the composed SVG
    assert composed.get("width") == "404"
    assert not export.done
    png = tiny_png(808, 300)
    page.say({"event": "png", "job": request["job"]}, [png])
    assert export.result() == png
    assert (export.size.width, export.size.height) == (808, 300)
    assert export.n_figures == 2
    assert "Exported the dashboard as PNG (2 figures)." in message(dash)
    assert export._repr_mimebundle_()["image/png"] == png
    called = []
    export.add_done_callback(called.append)
    assert called == [export]


def test_a_png_arrives_in_parts_under_the_servers_message_limit(dash, page):
    from nnwidgets.widgets.export import PNG_PART_BYTES

    assert PNG_PART_BYTES < 10 * 1024 * 1024  # tornado's limit on a message from a page
    export = dash.export_png()
    page.send_figures({0: (0, 0)})
    request, _ = page.last("rasterize")
    assert request["part_bytes"] == PNG_PART_BYTES
    png = tiny_png(300, 200)
    parts = [png[:20], png[20:41], png[41:]]
    for i, part in enumerate(parts):
        assert not export.done
        page.say({"event": "png-part", "job": request["job"], "part": i, "parts": 3}, [part])
    assert export.result() == png and (export.size.width, export.size.height) == (300, 200)
    # a part out of order fails that export with a message, and nothing is half-written
    second = dash.export_png()
    page.send_figures({0: (0, 0)})
    job = page.last("rasterize")[0]["job"]
    page.say({"event": "png-part", "job": job, "part": 0, "parts": 2}, [png[:30]])
    page.say({"event": "png-part", "job": job, "part": 0, "parts": 2}, [png[30:]])
    assert second.done and second.data is None
    assert "part 0 of 2 of the PNG came unexpected" in str(second.error)
    assert dash.files.exports.page._parts == {}
    # a PNG cut off half-way: the timeout fails the export and lets its parts go
    third = dash.export_png(timeout=0.05)
    page.send_figures({0: (0, 0)})
    job = page.last("rasterize")[0]["job"]
    page.say({"event": "png-part", "job": job, "part": 0, "parts": 2}, [png[:30]])
    assert dash.files.exports.page._parts == {job: [png[:30]]}
    deadline = time.monotonic() + 5
    while not third.done and time.monotonic() < deadline:
        time.sleep(0.02)
    assert third.done and third.error is not None
    assert dash.files.exports.page._parts == {}


def test_buttons_ask_for_one_download_named_as_the_file(dash, page):
    dash.controls.path.value = "runs/lesson3.npz"
    dash.controls.export_svg.click()
    page.send_figures({0: (0, 0), 1: (0, 160)})
    downloads = [r for r in page.requests if r[0]["do"] == "download"]
    assert len(downloads) == 1
    request, buffers = downloads[0]
    assert request["filename"] == "lesson3.svg" and request["mime"] == "image/svg+xml"
    assert buffers == [dash.files.last_export.data]
    assert "Exported lesson3.svg (2 figures)." in message(dash)

    dash.controls.export_png.click()
    assert "Exporting the dashboard as PNG" in message(dash)
    page.send_figures({0: (0, 0)})
    request, _ = page.last("rasterize")
    assert request["filename"] == "lesson3.png"  # the page downloads what it drew
    page.say({"event": "png", "job": request["job"]}, [tiny_png()])
    assert dash.files.last_export.fmt == "png" and dash.files.last_export.done
    assert "Exported lesson3.png (1 figure)." in message(dash)


def test_requests_go_to_the_latest_page_view(dash):
    page = FakePage(dash)
    page.ready("first")
    page.ready("second")
    dash.export_svg()
    assert page.last("collect")[0]["view"] == "second"
    page.say({"event": "gone", "view": "second"})
    dash.export_svg()
    assert page.last("collect")[0]["view"] == "first"
    page.say({"event": "gone", "view": "first"})
    with pytest.raises(ExportError, match="No page"):
        dash.export_svg()


def test_a_page_that_fails_or_sends_nothing_usable(dash, page):
    export = dash.export_png()
    job = page.last("collect")[0]["job"]
    page.say({"event": "failed", "job": job, "message": "the image would be too large"})
    assert export.error == "The page could not export: the image would be too large"
    with pytest.raises(ExportError, match="too large"):
        export.result()
    assert "too large" in message(dash) and "failed" in repr(export)

    export = dash.export_svg()
    page.send_figures({})
    assert export.error == "No figure of this dashboard is drawn on the page."

    export = dash.export_svg()
    job = page.last("collect")[0]["job"]
    page.say({"event": "figures", "job": job, "figures": [], "hidden": 15})
    assert "No figure of this dashboard is visible on the page (is its tab" in export.error

    export = dash.export_png()
    page.send_figures({0: (0, 0)})
    page.say({"event": "png", "job": page.last("rasterize")[0]["job"]}, [b"not a png"])
    assert "could not be used" in export.error and "PNG" in export.error


def test_a_silent_page_fails_the_export_after_the_timeout(dash, page):
    export = dash.export_svg(timeout=0.05)
    job = page.last("collect")[0]["job"]
    deadline = time.monotonic() + 5
    while not export.done and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "did not send the SVG within 0.05 s" in export.error
    assert "did not send" in message(dash)
    page.send_figures({0: (0, 0)})  # a late answer changes nothing
    assert export.data is None and export.error is not None
    assert job not in dash.files.exports.jobs
    with pytest.raises(ExportError, match="No page"):  # the silent view is forgotten
        dash.export_svg()


def test_a_file_that_cannot_be_written_fails_the_export(dash, page, tmp_path):
    (tmp_path / "taken.svg").mkdir()
    export = dash.export_svg(tmp_path / "taken.svg")
    page.send_figures({0: (0, 0)})
    assert export.error.startswith("Could not write")
    assert export.data is None


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"scale": 0}, ValueError, "scale must be a positive number up to 8"),
        ({"scale": float("nan")}, ValueError, "scale"),
        ({"scale": True}, ValueError, "scale"),
        ({"timeout": -1}, ValueError, "timeout must be a positive number"),
        ({"path": 3}, TypeError, "path must be a file name"),
        ({"path": "/no/such/folder/x.png"}, ValueError, "folder '/no/such/folder' does not"),
        ({"download": 1}, TypeError, "download must be True, False or a file name"),
        ({"download": ""}, TypeError, "download"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_sent(dash, page, kwargs, error, match):
    with pytest.raises(error, match=match):
        dash.export_png(**kwargs)
    assert page.requests == []


def test_an_empty_file_box_names_the_download_dashboard(dash, page):
    dash.controls.path.value = "   "
    dash.controls.export_png.click()
    assert page.last("collect")  # an empty file box names the download "dashboard.png"
    page.send_figures({0: (0, 0)})
    assert page.last("rasterize")[0]["filename"] == "dashboard.png"


def test_former_arguments_still_work_and_warn(dash, page):
    with pytest.warns(DeprecationWarning, match="prefix= argument is deprecated"):
        export = dash.export_png(prefix="old")
    assert isinstance(export, Export) and export.filename == "old.png"
    with pytest.warns(DeprecationWarning, match="fmt= argument is deprecated"):
        export = dash.export_png(fmt="svg")
    assert export.fmt == "svg"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dash.export_png("plain.png")  # the current arguments do not warn
    with pytest.raises(ValueError, match="fmt must be one of"), pytest.warns(DeprecationWarning):
        dash.export_png(fmt="jpg")
