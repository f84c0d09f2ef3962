"""The shapes of the web API's requests and answers, as pydantic models.

FastAPI turns these into the OpenAPI schema at ``/openapi.json``; the
tests fuzz the API from that schema and check every answer against it.

Pixel values, in requests and answers alike, run from 0 (paper) to 1
(ink), row by row from the top left: the network's own input.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

PixelValue = Annotated[float, Field(ge=0.0, le=1.0)]


class Pixels(BaseModel):
    """A request's input given as pixel values, ready for the network."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    pixels: list[PixelValue] = Field(
        description="The network's input, row by row: 256 values for a "
        "16x16 model (Semeion), 784 for a 28x28 one (MNIST); 0 is paper, "
        "1 is ink. Not preprocessed further.",
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

    digit: int = Field(description="The most probable digit.", ge=0)
    probabilities: list[float] = Field(
        description="The network's output for each digit 0, 1, ..., 9, "
        "between 0 and 1. With a sigmoid output each is the network's "
        "belief in that digit alone, so they need not sum to 1."
    )
    input: InputImage
    preprocessing: str | None = Field(
        description="The preprocessing an image went through (see "
        "ModelInfo); null for JSON pixels, which are taken as they are."
    )
    polarity: str | None = Field(
        description="'dark on light' or 'light on dark', as found in an "
        "image; null for JSON pixels."
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
    preprocessing: str | None = Field(
        description="How a picture is made ready for it: 'semeion' (crop "
        "to the ink, stretch to 16x16, black and white), 'mnist' (fit in "
        "20x20, centre by mass in 28x28), 'usps' or 'digits'."
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
