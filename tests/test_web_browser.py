"""The drawing page in a real browser: Debian's Chromium, driven by Playwright.

A ``barenet serve`` process serves the session's trained Semeion model on
127.0.0.1. The tests draw Semeion test digits on the page's pad stroke by
stroke, with a mouse, a pen and a finger (one stroke per run of ink in a
row of the 16x16 digit, with the page's round pen), and check that the
page's guess is the digit's label and that the image the network saw is
the digit itself. They upload an image file (and one the server refuses,
which must leave the drawing and its guess alone), draw with the
keyboard, switch between models of different kinds (every text and
picture about the model must follow), look at the page on a phone-sized
screen, and check that the page asked for nothing beyond barenet's own
server. Screenshots are kept in ``test-artifacts/``.

Chromium is ``/usr/bin/chromium`` (Debian's package ``chromium``);
Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect, sync_playwright

from barenet.evaluation import holdout_split
from barenet.io import load_model, save_model
from barenet.network import Network

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAD = 280  # the pad's own pixels (the canvas's width and height)
RUN = "20260101-120000"
WORDS = ["zero", "one", "two", "three", "four"]
WORDS += ["five", "six", "seven", "eight", "nine"]


@pytest.fixture(scope="module")
def server(trained_runs, start_server):
    server = start_server("--runs", str(trained_runs))
    yield server
    assert server.stop()[0] == 0


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Chromium with a fresh profile, touch enabled, 1100x800 window."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1100, "height": 800},
            has_touch=True,
        )
        yield context
        context.close()


class Visit:
    """A page of the server open in the browser, and what it asked for."""

    def __init__(self, browser, url):
        self.page = browser.new_page()
        self.requests = []
        self.answers = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("response", self._keep_prediction)
        self.page.goto(url)
        expect(self.page.locator("#model")).to_have_value(RUN)
        self.url = url

    def _keep_prediction(self, response):
        if "/api/predict" in response.url:
            self.answers.append(response)

    def last_answer(self):
        """The JSON of the last /api/predict answer: the one on show."""
        return json.loads(self.answers[-1].body())

    def wait_for_guess(self):
        expect(self.page.locator("#guess")).to_have_attribute(
            "data-state", "done", timeout=20_000
        )
        return self.page.locator("#digit").text_content()

    def shown(self):
        """Everything the page shows about the drawing and its guess."""
        page = self.page
        return {
            "state": page.locator("#guess").get_attribute("data-state"),
            "digit": page.locator("#digit").text_content(),
            "status": page.locator("#status").text_content(),
            "bars": page.locator("#bars").inner_text(),
            "seen": page.evaluate(
                "(() => { const c = document.getElementById('seen');"
                " return Array.from(c.getContext('2d')"
                ".getImageData(0, 0, c.width, c.height).data); })()"
            ),
            "pad": page.evaluate("document.getElementById('pad').toDataURL()"),
        }

    def upload(self, name, data, kind):
        self.page.set_input_files(
            "#file", files=[{"name": name, "mimeType": kind, "buffer": data}]
        )

    def draw(self, pixels, device="mouse"):
        hand = Hand(self.page, device)
        for stroke in ink_runs(pixels):
            hand.stroke(stroke)

    def close(self):
        outside = [u for u in self.requests if not u.startswith(self.url)]
        self.page.close()
        assert outside == [], f"the page asked for {outside}"


@pytest.fixture
def visit(browser, server):
    visit = Visit(browser, server.url)
    yield visit
    visit.close()


@pytest.fixture(scope="module")
def test_digits(semeion, trained_runs):
    """Semeion test digits the trained model reads right: (pixels, label)."""
    net = load_model(trained_runs / RUN / "model.npz")
    _, rows = holdout_split(len(semeion.y), 100, seed=0)
    right = rows[net.predict(semeion.X[rows]) == semeion.y[rows]]
    return [(semeion.X[i], int(semeion.y[i])) for i in right]


def ink_runs(pixels):
    """Each row's runs of ink as strokes: [(x0, y0), (x1, y1)] in pad pixels.

    A run from column c0 to c1 becomes a stroke between the centres of its
    end cells; the pen (20 pad pixels wide, cells are 17.5) covers them.
    """
    cell = PAD / 16
    image = np.asarray(pixels).reshape(16, 16) > 0.5
    strokes = []
    for r, row in enumerate(image):
        edges = np.flatnonzero(np.diff(np.r_[0, row.astype(int), 0]))
        for c0, c1 in zip(edges[::2], edges[1::2] - 1, strict=True):
            y = (r + 0.5) * cell
            strokes.append([((c0 + 0.5) * cell, y), ((c1 + 0.5) * cell, y)])
    return strokes


class Hand:
    """Draws strokes on the pad with a mouse, a pen or a finger.

    The mouse is Playwright's. Pen and finger go through Chrome's
    DevTools protocol, which makes the same pointer events a real pen or
    touch screen does (pointerType "pen" and "touch").
    """

    def __init__(self, page, device):
        self.page = page
        self.device = device
        box = page.locator("#pad").bounding_box()
        self.box = box
        self.cdp = None
        if device != "mouse":
            self.cdp = page.context.new_cdp_session(page)

    def to_screen(self, x, y):
        return (
            self.box["x"] + x * self.box["width"] / PAD,
            self.box["y"] + y * self.box["height"] / PAD,
        )

    def stroke(self, points, steps=4):
        path = [self.to_screen(*points[0])]
        for (xa, ya), (xb, yb) in itertools.pairwise(points):
            for k in range(1, steps + 1):
                path.append(
                    self.to_screen(
                        xa + (xb - xa) * k / steps, ya + (yb - ya) * k / steps
                    )
                )
        getattr(self, f"_{self.device}")(path)

    def _mouse(self, path):
        mouse = self.page.mouse
        mouse.move(*path[0])
        mouse.down()
        for x, y in path[1:]:
            mouse.move(x, y)
        mouse.up()

    def _pen(self, path):
        def send(kind, x, y, buttons):
            self.cdp.send(
                "Input.dispatchMouseEvent",
                {
                    "type": kind,
                    "x": x,
                    "y": y,
                    "button": "left" if kind != "mouseMoved" else "none",
                    "buttons": buttons,
                    "clickCount": 1 if kind != "mouseMoved" else 0,
                    "pointerType": "pen",
                    "force": 0.5,
                },
            )

        send("mousePressed", *path[0], 1)
        for x, y in path[1:]:
            send("mouseMoved", x, y, 1)
        send("mouseReleased", *path[-1], 0)

    def _touch(self, path):
        def send(kind, points):
            self.cdp.send(
                "Input.dispatchTouchEvent",
                {
                    "type": kind,
                    "touchPoints": [{"x": x, "y": y} for x, y in points],
                },
            )

        send("touchStart", path[:1])
        for point in path[1:]:
            send("touchMove", [point])
        send("touchEnd", [])


@pytest.mark.parametrize(
    ("device", "which"), [("mouse", 0), ("pen", 1), ("touch", 2)]
)
def test_a_digit_drawn_stroke_by_stroke_is_read_right(
    visit, test_digits, device, which
):
    pixels, label = test_digits[which * 7]
    hand = Hand(visit.page, device)
    for stroke in ink_runs(pixels):
        hand.stroke(stroke)
    assert visit.wait_for_guess() == str(label)
    expect(visit.page.locator("#pad")).to_have_attribute("data-pointer", device)

    # The page showed the network's input: the digit as it was drawn.
    seen = np.array(visit.last_answer()["input"]["pixels"])
    assert np.sum(seen != pixels) <= 4
    assert visit.page.locator("#bars li.best .label").text_content() == str(
        label
    )
    if device == "mouse":
        ARTIFACTS.mkdir(exist_ok=True)
        visit.page.screenshot(path=ARTIFACTS / "serve.png", full_page=True)
        assert (ARTIFACTS / "serve.png").read_bytes()[:4] == b"\x89PNG"


def test_undo_and_clear_take_strokes_away(visit, test_digits):
    pixels, label = test_digits[3]
    hand = Hand(visit.page, "mouse")
    for stroke in ink_runs(pixels):
        hand.stroke(stroke)
    assert visit.wait_for_guess() == str(label)
    hand.stroke([(10, 270), (270, 270)])  # a line under the digit
    visit.wait_for_guess()
    visit.page.get_by_role("button", name="Undo").click()
    assert visit.wait_for_guess() == str(label)
    assert (
        np.sum(np.array(visit.last_answer()["input"]["pixels"]) != pixels) <= 4
    )
    visit.page.get_by_role("button", name="Clear").click()
    expect(visit.page.locator("#guess")).to_have_attribute("data-state", "idle")
    assert visit.page.locator("#digit").text_content() == "?"


def test_an_uploaded_image_gets_its_guess(visit, test_digits, digit_image):
    pixels, label = test_digits[5]
    visit.page.set_input_files(
        "#file",
        files=[
            {
                "name": "digit.jpg",
                "mimeType": "image/jpeg",
                "buffer": digit_image(pixels, fmt="JPEG", light_on_dark=True),
            }
        ],
    )
    assert visit.wait_for_guess() == str(label)
    answer = visit.last_answer()
    assert answer["polarity"] == "light on dark"
    assert answer["input"]["pixels"] == pixels.tolist()


def test_the_page_works_from_the_keyboard(visit):
    page = visit.page
    page.keyboard.press("Tab")
    expect(page.locator("#pad")).to_be_focused()
    expect(page.locator("#cursor")).to_be_visible()

    # A "7": the pen starts at the centre (140, 140); steps are 10 pixels.
    keys = ["ArrowUp"] * 9 + ["ArrowLeft"] * 7 + ["Space"]
    keys += ["ArrowRight"] * 15 + ["ArrowDown", "ArrowLeft", "ArrowDown"] * 9
    keys += ["Space"]
    for key in keys:
        page.keyboard.press(key)
    assert visit.wait_for_guess() == "7"

    page.keyboard.press("Control+z")
    expect(page.locator("#guess")).to_have_attribute("data-state", "idle")
    for name in ("Undo", "Clear"):
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name=name)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#file")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#model")).to_be_focused()


def test_the_page_fits_a_phone(browser, server):
    page = browser.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.goto(server.url)
        expect(page.locator("#model")).to_have_value(RUN)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing to scroll sideways
        pad = page.locator("#pad").bounding_box()
        assert pad["x"] >= 0 and pad["x"] + pad["width"] <= 390
        assert pad["width"] >= 280  # large enough to draw on with a finger
        size = page.evaluate(
            "parseFloat(getComputedStyle(document.body).fontSize)"
        )
        assert size >= 16
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "serve-phone.png", full_page=True)
    finally:
        page.close()


# -- uploads that fail, uploads that are undone -------------------------------


def test_a_refused_upload_leaves_the_drawing_and_its_guess_alone(
    visit, test_digits
):
    pixels, label = test_digits[4]
    visit.draw(pixels)
    assert visit.wait_for_guess() == str(label)
    before = visit.shown()
    asked = len(visit.answers)

    visit.upload("broken.png", b"not an image at all", "image/png")
    error = visit.page.locator("#upload-error")
    expect(error).to_be_visible()
    assert error.text_content() == (
        "broken.png: the uploaded image: not an image barenet can read "
        "(expected PNG or JPEG)"
    )
    assert len(visit.answers) == asked + 1  # the server was asked, once
    assert visit.shown() == before  # the drawing, guess, bars, picture

    # The drawing is still a drawing: Undo takes its last stroke away.
    visit.page.get_by_role("button", name="Undo").click()
    expect(error).to_be_hidden()
    visit.wait_for_guess()
    assert visit.shown()["pad"] != before["pad"]
    assert len(visit.answers) == asked + 2


def test_undo_after_an_upload_brings_the_drawing_back(
    visit, test_digits, digit_image
):
    drawn, drawn_label = test_digits[0]
    visit.draw(drawn)
    assert visit.wait_for_guess() == str(drawn_label)
    before = visit.shown()
    uploaded, uploaded_label = next(
        (x, y) for x, y in test_digits if y != drawn_label
    )
    visit.upload("digit.png", digit_image(uploaded), "image/png")
    expect(visit.page.locator("#digit")).to_have_text(str(uploaded_label))
    assert visit.shown()["pad"] != before["pad"]

    visit.page.get_by_role("button", name="Undo").click()
    assert visit.wait_for_guess() == str(drawn_label)
    assert visit.shown() == before


# -- sentences built from labels ----------------------------------------------


def test_the_guess_is_said_with_the_right_article(visit, test_digits):
    said = {
        "0": "a 0",
        "1": "a 1",
        "7": "a 7",
        "8": "an 8",
        "11": "an 11",
        "18": "an 18",
        "80": "an 80",
        "83": "an 83",
        "800": "an 800",
        "110": "a 110",
        "181": "a 181",
        "1100": "a 1100",
        "8000": "an 8000",
        "11000": "an 11000",
        "18500": "an 18500",
        "110000": "a 110000",
        "8.5": "an 8.5",
        "0.8": "a 0.8",
        "yes": "“yes”",
        "eight": "“eight”",
        "A": "“A”",
    }
    found = visit.page.evaluate(
        "labels => labels.map(readsAs)", list(said.keys())
    )
    assert dict(zip(said, found, strict=True)) == said

    pixels = next(x for x, y in test_digits if y == 8)
    visit.draw(pixels)
    assert visit.wait_for_guess() == "8"
    assert visit.page.locator("#status").text_content() == "It reads an 8."


# -- the model chooser --------------------------------------------------------


@pytest.fixture(scope="module")
def mixed_server(trained_runs, tmp_path_factory, start_server):
    """A server whose runs folder holds models of four kinds.

    The trained Semeion model (the newest, so the default), an MNIST one
    (28x28), one whose classes are words, and one of a table of 4
    columns with labels "no" and "yes", which reads numbers.
    """
    runs = tmp_path_factory.mktemp("mixed") / "runs"
    (runs / RUN).mkdir(parents=True)
    shutil.copy(trained_runs / RUN / "model.npz", runs / RUN)
    others = {
        "mnist": (784, {"name": "mnist", "preprocessing": "mnist"}),
        "words": (256, {"name": "semeion", "classes": WORDS}),
        "table": (
            4,
            {"name": "t.csv", "preprocessing": None, "classes": ["no", "yes"]},
        ),
    }
    for when, (name, (width, data)) in enumerate(others.items()):
        net = Network([width, 8, len(data.get("classes", WORDS))], seed=when)
        net.info = {"data": data}
        (runs / name).mkdir()
        save_model(net, runs / name / "model.npz")
        os.utime(runs / name / "model.npz", (1_000 + when, 1_000 + when))
    server = start_server("--runs", str(runs))
    yield server
    assert server.stop()[0] == 0


def test_everything_about_the_model_follows_the_model_chosen(
    browser, mixed_server, test_digits
):
    visit = Visit(browser, mixed_server.url)
    page = visit.page
    caption = page.locator("#seen-caption")
    seen = page.locator("#seen")
    labels = page.locator("#bars .label")
    try:
        assert caption.text_content().startswith(
            "16×16 pixels: your drawing cropped to its ink"
        )
        assert labels.all_text_contents() == [str(d) for d in range(10)]

        # Nothing drawn yet: the text follows the model all the same.
        page.select_option("#model", "mnist")
        expect(caption).to_have_text(
            "28×28 pixels: your drawing fitted into 20×20 keeping its shape, "
            "centred by its mass, in grey, as barenet predict reads it."
        )
        assert (seen.get_attribute("width"), seen.get_attribute("height")) == (
            "28",
            "28",
        )
        assert "16×16" not in page.inner_text("body")

        pixels, _ = test_digits[1]
        visit.draw(pixels)
        visit.wait_for_guess()
        assert visit.last_answer()["input"]["width"] == 28
        assert "16×16" not in page.inner_text("body")

        page.select_option("#model", "words")
        guess = visit.wait_for_guess()
        assert guess in WORDS
        assert page.locator("#status").text_content() == f"It reads “{guess}”."
        assert labels.all_text_contents() == WORDS
        expect(caption).to_contain_text("16×16 pixels")

        asked = len(visit.answers)
        page.select_option("#model", "table")
        expect(page.locator("#status")).to_have_text(
            "The model table reads rows of 4 numbers (from t.csv), not "
            "pictures, so it cannot read a drawing. Choose a model of digits."
        )
        assert page.locator("#guess").get_attribute("data-state") == "idle"
        assert labels.all_text_contents() == ["no", "yes"]
        expect(seen).to_be_hidden()
        expect(caption).to_have_text(
            "This model reads rows of 4 numbers, not pictures."
        )
        assert len(visit.answers) == asked  # the server was not asked
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "serve-table.png", full_page=True)

        page.select_option("#model", RUN)
        visit.wait_for_guess()
        expect(seen).to_be_visible()
        assert visit.last_answer()["model"] == RUN
        assert "28×28" not in page.inner_text("body")
    finally:
        visit.close()
