"""The shapes of the web API's requests and answers, as pydantic models.

FastAPI turns these into the OpenAPI schema at ``/openapi.json``; the
tests fuzz the API from that schema and check every answer against it.

Pixel values, in requests and answers alike, run from 0 (paper) to 1
(ink), row by row from the top left: the network's own input. A model of
a table reads rows of numbers instead, sent as ``features``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

PixelValue = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]
"""A number in 0..1; strict, so the text "1" and true are refused."""

Number = Annotated[float, Field(strict=True)]
"""Any number; strict, so text and true or false are refused."""


class Pixels(BaseModel):
    """A request's input given as pixel values, ready for the network."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    pixels: list[PixelValue] = Field(
        description="The network's input, row by row: 256 values for a "
        "16x16 model (Semeion), 784 for a 28x28 one (MNIST); 0 is paper, "
        "1 is ink. Not preprocessed further.",
        max_length=100_000,
    )


class Features(BaseModel):
    """A request's input given as one row of numbers, for any model."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    features: list[Number] = Field(
        description="The network's input as it is, one number per input "
        "(see ModelInfo.n_inputs): for a model of a CSV table, a row's "
        "values in its columns' order without the label; for a model of "
        "pictures, its pixel values. Any finite numbers.",
        max_length=100_000,
    )


class InputImage(BaseModel):
    """The image the network read, after preprocessing."""

    width: int = Field(description="Columns.", ge=1)
    height: int = Field(description="Rows.", ge=1)
    pixels: list[PixelValue] = Field(
        description="width x height values, row by row; 0 paper, 1 ink. "
        "Sent back as a JSON request, they give the same answer."
    )


class Prediction(BaseModel):
    """The network's answer for one digit."""

    digit: int = Field(
        description="The most probable class, by its output's index: the "
        "digit itself for a model of digits 0..9.",
        ge=0,
    )
    label: str = Field(
        description="The most probable class's label (see "
        "ModelInfo.labels): the digit for a model of digits, the table's "
        "own label for a model of a CSV table."
    )
    probabilities: list[float] = Field(
        description="The network's output for each class, in the order of "
        "ModelInfo.labels, between 0 and 1. With a sigmoid output each is "
        "the network's belief in that class alone, so they need not sum "
        "to 1."
    )
    input: InputImage | None = Field(
        description="The picture the network read; null for features."
    )
    preprocessing: str | None = Field(
        description="The preprocessing an image went through (see "
        "ModelInfo); null for JSON, which is taken as it is."
    )
    polarity: str | None = Field(
        description="'dark on light' or 'light on dark', as found in an "
        "image; null for JSON."
    )
    model: str = Field(description="The id of the model that answered.")


class ModelInfo(BaseModel):
    """What a model is and how well it did."""

    id: str = Field(description="Its run folder's name, or its path.")
    path: str = Field(description="The model file.")
    architecture: str | None = Field(
        description="Layer sizes and units, e.g. '256-30-20-10 (sigmoid "
        "units, sigmoid output)'; null if the file cannot be used."
    )
    dataset: str | None = Field(description="The data it was trained on.")
    test_accuracy: float | None = Field(
        description="Share of held-out test digits it got right (argmax)."
    )
    created: str | None = Field(description="When it was trained (ISO 8601).")
    reads: Literal["pictures", "numbers"] | None = Field(
        description="What it reads: 'pictures' (images, or pixels), or "
        "'numbers' (rows of a table, as features only); null if the file "
        "cannot be used."
    )
    n_inputs: int | None = Field(
        description="How many numbers its input holds.", ge=1
    )
    labels: list[str] | None = Field(
        description="Its classes' labels, one per output: '0' to '9' for "
        "digits, the table's own labels for a model of a CSV table."
    )
    preprocessing: str | None = Field(
        description="How a picture is made ready for it: 'semeion' (crop "
        "to the ink, stretch to 16x16 but across at most twice as much as "
        "down, black and white), 'mnist' (fit in "
        "20x20, centre by mass in 28x28), 'usps' or 'digits'; null for a "
        "model that reads numbers."
    )
    input_width: int | None = Field(description="Columns of its input image.")
    input_height: int | None = Field(description="Rows of its input image.")
    error: str | None = Field(
        description="Why this model cannot be used; null if it can."
    )


class ModelList(BaseModel):
    """The models a server can use."""

    runs: str = Field(description="The folder of runs searched for models.")
    default: str | None = Field(
        description="The id of the model used when a request names none; "
        "null when there is no usable model."
    )
    models: list[ModelInfo]
    hint: str | None = Field(
        description="What to do when there is no model; null otherwise."
    )


class Problem(BaseModel):
    """A request the API could not answer, and why."""

    detail: str = Field(description="What was wrong, and how to fix it.")
