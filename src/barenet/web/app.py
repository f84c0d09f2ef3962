"""The web app: the drawing page and the JSON API behind it.

Routes::

    GET  /                 the page (static/index.html)
    GET  /static/...       its script and style sheet
    GET  /api/models       every model in the runs folder, and the default
    GET  /api/model        one model (?model=ID, else the default)
    POST /api/predict      a class: an image file, or JSON pixels or features
    GET  /openapi.json     the API's schema

Every GET route answers HEAD too, as HTTP asks: the same status and
headers, no body.

``POST /api/predict`` takes the body's Content-Type as its kind:
``image/png`` or ``image/jpeg`` is an image file, read by
``barenet.predict_image`` with the preprocessing the model's training data
needs, exactly as ``barenet predict`` reads it; ``application/json``
is ``{"pixels": [...]}``, the picture the network reads, or
``{"features": [...]}``, its input as any numbers. A model of pictures
takes all three; a model of a table (``barenet train --csv``) reads rows
of numbers and takes features only. The answer holds the class (its
index and its label), the network's output for each class, and the
picture the network read, so the page can show what the network saw.

Every refusal is a 4xx with a JSON body ``{"detail": "..."}`` that says
what was wrong: a body over ``MAX_BODY_BYTES`` (refused from its declared
length, or as soon as more arrives, never read whole), a Content-Type
other than those above, malformed JSON or an image that does not decode,
an image over ``MAX_IMAGE_PIXELS``, the wrong number of pixels or
features, a picture for a model of a table, or a blank drawing.
Interactive API pages (``/docs``) are off: their scripts would come from
a CDN, and the page must work offline. A fault in barenet itself is a
500 with the same JSON body, its traceback in the log (``_LastResort``).

Images are decoded at most ``DECODERS`` at a time; the others wait their
turn without holding one of the worker threads that answer every other
request, so the page and the model list stay quick under a burst of
uploads.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import numpy as np
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from numpy.typing import NDArray
from pydantic import ValidationError
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from barenet.data.base import class_names
from barenet.errors import BarenetError
from barenet.prediction import ImagePrediction, predict_image
from barenet.web.catalog import (
    LoadedModel,
    ModelCatalog,
    ModelNotFoundError,
    readable,
)
from barenet.web.schemas import (
    Features,
    InputImage,
    ModelInfo,
    ModelList,
    Pixels,
    Prediction,
    Problem,
)

STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 1_000_000
"""The largest request body accepted: 1 MB."""

MAX_IMAGE_PIXELS = 2_000_000
"""The largest image accepted, in pixels (width times height), checked from
its header before it is decoded. A small file can claim a huge image, and
decoding takes some 80 bytes a pixel for a moment; a digit needs far fewer
pixels than this."""

DECODERS = max(2, os.cpu_count() or 1)
"""Images decoded at once. Decoding is CPU work that takes tens of MB a
request for a moment; more at once than there are cores only adds memory,
so further requests wait their turn (``_decoders``)."""

_DECODERS: RunVar[CapacityLimiter] = RunVar("barenet_decoders")

log = logging.getLogger("barenet.web")

IMAGE_TYPES = ("image/png", "image/jpeg")
SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
"""How a PNG file and a JPEG file begin: the only images read. (barenet
predict reads BMP, GIF and TIFF too; the API keeps to what it names.)"""
JSON_TYPE = "application/json"

HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data: blob:; "
        b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
"""Sent with every answer: the page may load nothing from elsewhere."""

ModelId = Annotated[
    str | None,
    Query(
        description="The id of the model to use (see GET /api/models); "
        "the server's default if absent."
    ),
]


class ApiError(Exception):
    """A request the API refuses: an HTTP status and what to tell."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = readable(detail)


def create_app(catalog: ModelCatalog) -> FastAPI:
    """The web app serving the models of ``catalog``."""
    app = FastAPI(
        title="barenet",
        summary="Draw a digit and watch a from-scratch network read it.",
        version=_version(),
        docs_url=None,
        redoc_url=None,
    )
    app.state.catalog = catalog
    app.add_middleware(_LastResort)
    app.add_middleware(_WholeFiles)
    app.add_middleware(_SecurityHeaders)
    app.add_middleware(_HeadAsGet)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_page(app)
    _add_model_routes(app, catalog)
    _add_predict_route(app, catalog)
    return app


def _add_page(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")


def _add_model_routes(app: FastAPI, catalog: ModelCatalog) -> None:
    @app.get("/api/models", summary="The models this server can use")
    def list_models() -> ModelList:
        models = [ModelInfo(**m.describe()) for m in catalog.models()]
        default = catalog.default_id()
        return ModelList(
            runs=catalog.shown_runs,
            default=default,
            models=models,
            hint=None if default else catalog.how_to_train(),
        )

    @app.get(
        "/api/model",
        summary="One model: what it is and how well it did",
        responses={404: {"model": Problem}},
    )
    def describe_model(model: ModelId = None) -> ModelInfo:
        return ModelInfo(**_find(catalog, model).describe())


def _add_predict_route(app: FastAPI, catalog: ModelCatalog) -> None:
    @app.post(
        "/api/predict",
        summary="Read one digit from an image file or from pixel values",
        openapi_extra={"requestBody": _request_body()},
        responses={
            status: {"model": Problem, "description": meaning}
            for status, meaning in (
                (404, "No such model, or no model at all."),
                (413, "The body is over 1 MB."),
                (415, "The Content-Type is not PNG, JPEG or JSON."),
                (
                    422,
                    "Malformed image or JSON, too many pixels, wrong "
                    "pixel or feature count, a picture for a model that "
                    "reads numbers, or a blank drawing.",
                ),
            )
        },
    )
    async def predict(request: Request, model: ModelId = None) -> Prediction:
        kind = _media_type(request)
        body = await _read_body(request)
        # An image waits for a decoder without holding a worker thread, so
        # the threads that answer every other request stay free.
        decoders = _decoders() if kind in IMAGE_TYPES else None
        return await anyio.to_thread.run_sync(
            _answer, catalog, model, kind, body, limiter=decoders
        )


def _decoders() -> CapacityLimiter:
    """The running event loop's limit on images decoded at once."""
    try:
        return _DECODERS.get()
    except LookupError:
        limiter = CapacityLimiter(DECODERS)
        _DECODERS.set(limiter)
        return limiter


def _request_body() -> dict[str, Any]:
    """The OpenAPI description of what ``POST /api/predict`` accepts."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "required": True,
        "description": "A PNG or JPEG image of one digit (dark on light or "
        "light on dark), or JSON: pixel values, or features (the input of "
        "any model, and the only one of a model of a table). At most 1 MB.",
        "content": {
            JSON_TYPE: {
                "schema": {
                    "oneOf": [
                        Pixels.model_json_schema(),
                        Features.model_json_schema(),
                    ]
                }
            },
            **{kind: binary for kind in IMAGE_TYPES},
        },
    }


# -- reading a request ---------------------------------------------------


def _media_type(request: Request) -> str:
    """The request's Content-Type without parameters; refuses other kinds."""
    header = request.headers.get("content-type", "")
    kind = header.split(";", 1)[0].strip().lower()
    if kind not in (JSON_TYPE, *IMAGE_TYPES):
        found = f"Content-Type {header!r}" if header else "no Content-Type"
        raise ApiError(
            415,
            f"cannot read a body with {found}: send a PNG or JPEG file "
            f"(Content-Type image/png or image/jpeg) or JSON pixel values "
            f"(Content-Type {JSON_TYPE})",
        )
    return kind


async def _read_body(request: Request) -> bytes:
    """The body, refused as soon as it is known to exceed MAX_BODY_BYTES."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large(f"{int(declared):,} bytes")
    chunks = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > MAX_BODY_BYTES:
            raise _too_large(f"more than {MAX_BODY_BYTES:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(found: str) -> ApiError:
    return ApiError(
        413,
        f"the body is {found}; the limit is {MAX_BODY_BYTES:,} bytes (1 MB). "
        "Send a smaller image: a digit needs no more than a few hundred "
        "pixels a side",
    )


# -- answering -----------------------------------------------------------


def _answer(
    catalog: ModelCatalog, model_id: str | None, kind: str, body: bytes
) -> Prediction:
    """Decode the body, run the network, and describe what it saw."""
    loaded = _find(catalog, model_id)
    assert loaded.net is not None
    if kind == JSON_TYPE:
        given = _json_input(body)
        x = _checked_input(given, loaded)
        probabilities = loaded.net.predict_proba(x[np.newaxis, :])[0]
        seen = x if isinstance(given, Pixels) else None
        return _prediction(loaded, probabilities, seen)
    if loaded.preprocessing is None:
        raise ApiError(422, f"{_reads_numbers(loaded)}, not pictures")
    guess = _read_image(body, loaded)
    _check_not_blank(guess.seen.x)
    return _prediction(
        loaded,
        guess.probabilities,
        guess.seen.x,
        guess.seen.kind,
        guess.seen.polarity,
    )


def _prediction(
    loaded: LoadedModel,
    probabilities: NDArray[np.float64],
    seen: NDArray[np.float64] | None,
    preprocessing: str | None = None,
    polarity: str | None = None,
) -> Prediction:
    """The answer; ``seen`` is the picture the network read, if any."""
    assert loaded.net is not None
    best = int(np.argmax(probabilities))
    labels = class_names(loaded.net.info, loaded.net.n_outputs)
    picture = None
    if seen is not None:
        assert loaded.input_shape is not None
        height, width = loaded.input_shape
        # The schema promises 0..1: preprocessing keeps to it, and a pixel
        # a rounding step past it must not turn an answer into an error.
        pixels = np.clip(seen, 0.0, 1.0).tolist()
        picture = InputImage(width=width, height=height, pixels=pixels)
    return Prediction(
        digit=best,
        label=readable(labels[best]),
        probabilities=[float(p) for p in probabilities],
        input=picture,
        preprocessing=preprocessing,
        polarity=polarity,
        model=loaded.entry.id,
    )


def _find(catalog: ModelCatalog, model_id: str | None) -> LoadedModel:
    """The usable model with this id, or the ApiError that says why not."""
    try:
        loaded = catalog.get(model_id)
    except ModelNotFoundError as exc:
        raise ApiError(404, str(exc)) from None
    if loaded.error is not None:
        raise ApiError(
            422,
            f"the model {loaded.entry.id!r} cannot be used: {loaded.error}. "
            "Choose another",
        )
    return loaded


def _json_input(body: bytes) -> Pixels | Features:
    """``{"pixels": [...]}`` or ``{"features": [...]}``, checked."""
    try:
        peek = json.loads(body)
    except ValueError:
        peek = None  # pydantic says what is wrong with it below
    shape = (
        Features if isinstance(peek, dict) and "features" in peek else Pixels
    )
    try:
        return shape.model_validate_json(body)
    except ValidationError as exc:
        raise ApiError(422, f"invalid JSON body: {_explain(exc)}") from None


def _checked_input(
    given: Pixels | Features, loaded: LoadedModel
) -> NDArray[np.float64]:
    """The network's input from JSON: pixels for a model of pictures, as
    many of them as it reads and not blank; features for any model."""
    assert loaded.net is not None
    if isinstance(given, Features):
        if len(given.features) != loaded.net.n_inputs:
            raise ApiError(
                422,
                f"expected {loaded.net.n_inputs} features for the model "
                f"{loaded.entry.id!r}, found {len(given.features)}",
            )
        return np.asarray(given.features, dtype=np.float64)
    if loaded.input_shape is None:
        raise ApiError(
            422,
            f"{_reads_numbers(loaded)}, not pixels; send them as "
            '{"features": [...]}',
        )
    height, width = loaded.input_shape
    if len(given.pixels) != height * width:
        raise ApiError(
            422,
            f"expected {height * width} pixel values ({width}x{height}, row "
            f"by row) for the model {loaded.entry.id!r}, found "
            f"{len(given.pixels)}",
        )
    x = np.asarray(given.pixels, dtype=np.float64)
    _check_not_blank(x)
    return x


def _reads_numbers(loaded: LoadedModel) -> str:
    """'the model 'x' reads rows of 4 numbers (from t.csv)'."""
    assert loaded.net is not None
    source = loaded.describe()["dataset"]
    return (
        f"the model {loaded.entry.id!r} reads rows of {loaded.net.n_inputs} "
        f"numbers{f' (from {source})' if source else ''}"
    )


def _read_image(body: bytes, loaded: LoadedModel) -> ImagePrediction:
    """An image file read as ``barenet predict`` reads it, with this model."""
    assert loaded.net is not None
    if not body.startswith(SIGNATURES):
        raise ApiError(
            422,
            "the uploaded image: not an image barenet can read (expected "
            "PNG or JPEG)",
        )
    try:
        return predict_image(
            loaded.net,
            body,
            kind=loaded.preprocessing,
            max_pixels=MAX_IMAGE_PIXELS,
            name="the uploaded image",
        )
    except BarenetError as exc:
        raise ApiError(422, str(exc)) from None


def _check_not_blank(x: NDArray[np.float64]) -> None:
    if not np.any(x > 0):
        raise ApiError(
            422,
            "the drawing is blank: no pixel has any ink. Draw a digit, or "
            "send an image with one",
        )


def _explain(exc: ValidationError) -> str:
    """Pydantic's errors as one line: where, and what is wrong there."""
    parts = []
    for error in exc.errors(include_url=False)[:3]:
        where = "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]
        ).lstrip(".")
        parts.append(f"{where or 'body'}: {error['msg']}")
    more = len(exc.errors()) - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


# -- plumbing ------------------------------------------------------------


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    parts = [
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
        for e in exc.errors()
    ]
    return JSONResponse({"detail": readable("; ".join(parts))}, 422)


class _HttpMiddleware:
    """ASGI middleware for HTTP requests (``handle``); others pass as they are."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if scope["type"] == "http":
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one HTTP request, passing it on to ``self.app``."""
        await self.app(scope, receive, send)


class _LastResort(_HttpMiddleware):
    """ASGI middleware: an unexpected error is a JSON 500, logged here.

    Every refusal the API means is a 4xx raised where it is found; this is
    the last line of defence against a fault in barenet itself. The
    traceback goes to the log (logger ``barenet.web``), the client gets
    ``{"detail": ...}`` like any other answer, and the connection stays
    open for its next request, as it would not if the error reached the
    server. A client that hung up mid-request is let go without a word:
    nobody is left to answer.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        sent = {"start": False, "end": False}

        async def send_noted(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["start"] = True
            elif not message.get("more_body", False):
                sent["end"] = True
            await send(message)

        try:
            await self.app(scope, receive, send_noted)
        except ClientDisconnect:
            return
        except Exception:
            log.exception(
                "unexpected error answering %s %s",
                scope["method"],
                scope["path"],
            )
            if sent["start"] and not sent["end"]:
                raise  # half an answer is out: only closing can end it
            if not sent["start"]:
                answer = JSONResponse({"detail": INTERNAL_ERROR}, 500)
                await answer(scope, receive, send)


INTERNAL_ERROR = (
    "the server failed while answering this request: a fault in barenet, "
    "not in the request. The server's log holds the details; please "
    "report it"
)


class _WholeFiles(_HttpMiddleware):
    """ASGI middleware: every file is sent whole; Range is ignored.

    The page's files are a few kilobytes, and a malformed Range would get
    a plain-text 400 from the file server, where every error here is
    JSON. HTTP lets a server ignore Range and answer 200 with the whole
    file; Accept-Ranges is left out so that no client expects otherwise.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name not in (b"range", b"if-range")
        ]

        async def send_without_ranges(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"accept-ranges"
                ]
            await send(message)

        await self.app(
            {**scope, "headers": headers}, receive, send_without_ranges
        )


class _SecurityHeaders(_HttpMiddleware):
    """ASGI middleware adding ``HEADERS`` to every answer."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _HeadAsGet(_HttpMiddleware):
    """ASGI middleware answering HEAD as GET, without the body.

    FastAPI's routes answer only the methods they name, so HEAD / would be
    405; HTTP asks that HEAD get what GET gets, headers included
    (Content-Length too), with no body. Routes without GET still say 405.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


def _version() -> str:
    from barenet import __version__

    return __version__
