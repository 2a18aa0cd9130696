"""The settings of the "Train your own CNN" playground: every slider, always clamped to valid values.

A :class:`PlaygroundConfig` holds every slider; building one always clamps each field into its
valid range (values can arrive from URL parameters, so nothing is trusted):
:meth:`PlaygroundConfig.clamped` and :meth:`PlaygroundConfig.from_query_params` also say, in a
sentence per value, what had to change. :func:`within_work_cap` fits a run into the server's cap.
Pure Python: no Keras, no Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Mapping

from cnnviz.zoo.architectures import ADADELTA_AS_KERAS2

POOL_SIZE = 2

BLOCK_RANGE = (1, 3)
FILTER_CHOICES = (4, 8, 16, 32, 64)
KERNEL_CHOICES = (3, 5)
DROPOUT_RANGE = (0.0, 0.7)
DROPOUT_STEP = 0.05
DENSE_CHOICES = (16, 32, 64, 128, 256)
EPOCH_RANGE = (1, 20)
BATCH_CHOICES = (16, 32, 64, 128, 256)
SAMPLE_CHOICES = (256, 500, 1000, 2000, 5000, 10000, 20000, 30000, 58000)
# The last VALIDATION_SAMPLES training images are held out to draw the validation curve, so a
# run trains on at most 60000 - 2000 = 58000 images and is tested on the full 10k test set.
VALIDATION_SAMPLES = 2000

# Each optimizer's settings: Keras 3's defaults, except Adadelta, whose Keras 3 learning rate (0.001)
# barely moves in a few epochs; the seeds' `optimizer='adadelta'` meant Keras 2's settings.
OPTIMIZER_SETTINGS = {"rmsprop": {"learning_rate": 0.001}, "adam": {"learning_rate": 0.001},
                      "adadelta": ADADELTA_AS_KERAS2, "sgd": {"learning_rate": 0.01}}
OPTIMIZERS = tuple(OPTIMIZER_SETTINGS)

# URL parameter -> config field.
QUERY_KEYS = {
    "blocks": "blocks", "filters": "filters", "kernel": "kernel_size", "pool": "pooling",
    "dropout": "dropout", "dense": "dense_units", "optimizer": "optimizer", "epochs": "epochs",
    "batch": "batch_size", "samples": "samples",
}


@dataclass(frozen=True)
class PlaygroundConfig:
    """Every slider of the playground. Construction clamps each field into its valid range.

    Attributes:
        blocks: conv blocks, 1-3.
        filters: filters in each conv layer, one of FILTER_CHOICES (4-64).
        kernel_size: 3 or 5 (a kernel_size x kernel_size window).
        pooling: a 2x2 max pooling after each conv layer.
        dropout: dropout rate 0-0.7 (steps of 0.05), after Flatten and after the hidden Dense.
        dense_units: neurons of the hidden Dense layer, one of DENSE_CHOICES.
        optimizer: one of OPTIMIZERS.
        epochs: passes over the training subset, 1-20.
        batch_size: one of BATCH_CHOICES.
        samples: training images used, one of SAMPLE_CHOICES (256-58000).
    """

    blocks: int = 2
    filters: int = 32
    kernel_size: int = 3
    pooling: bool = True
    dropout: float = 0.25
    dense_units: int = 64
    optimizer: str = "rmsprop"
    epochs: int = 3
    batch_size: int = 64
    samples: int = 10000

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            object.__setattr__(self, name, clamp_field(name, value)[0])

    @classmethod
    def clamped(cls, **values) -> tuple["PlaygroundConfig", list[str]]:
        """A valid config from raw values, and one sentence per value that had to change.

        Unknown names are ignored (with a note); missing ones take their defaults.
        """
        known = {field.name for field in fields(cls)}
        notes = [f"Unknown setting {name!r} was ignored." for name in values if name not in known]
        accepted = {}
        for name, value in values.items():
            if name in known:
                accepted[name], note = clamp_field(name, value)
                if note:
                    notes.append(note)
        return cls(**accepted), notes

    @classmethod
    def from_query_params(cls, params: Mapping[str, str]) -> tuple["PlaygroundConfig", list[str]]:
        """A valid config from URL parameters (``?filters=16&dropout=0.5``), plus notes for the page.

        Only the keys of QUERY_KEYS are read; other parameters (e.g. ``present``) are left alone.
        """
        values = {QUERY_KEYS[key]: params[key] for key in QUERY_KEYS if key in params}
        return cls.clamped(**values)

    def to_query_params(self) -> dict[str, str]:
        """The config as URL parameters, the inverse of :meth:`from_query_params`."""
        values = asdict(self)
        return {key: _format_value(values[name]) for key, name in QUERY_KEYS.items()}

    def work(self) -> int:
        """Training images processed by a run: samples x epochs (what the server caps)."""
        return self.samples * self.epochs


def _format_value(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _nearest(value: float, choices: tuple, log_scale: bool = False) -> int:
    """The choice closest to ``value`` (on a log scale for doubling choices)."""
    if log_scale:
        value = max(value, 1e-9)
        return min(choices, key=lambda choice: (abs(math.log(choice) - math.log(value)), choice))
    return min(choices, key=lambda choice: (abs(choice - value), choice))


def _to_number(name: str, value) -> float:
    if isinstance(value, bool):
        return float(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if math.isnan(number):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return number


def clamp_field(name: str, value) -> tuple[object, str | None]:
    """Clamp one field's raw value (number, string from a URL, bool) into its valid range.

    Returns:
        ``(valid value, note)``: the note is a sentence when the value changed, else None.
    """
    default = getattr(PlaygroundConfig, name)
    try:
        clamped = _clamp(name, value)
    except ValueError as error:
        return default, f"{error}; using the default {default}."
    if name in ("optimizer", "pooling"):
        return clamped, None  # these either parse exactly or fall back with a note above
    changed = abs(_to_number(name, value) - float(clamped)) > 1e-9
    label = name.replace("_", " ")
    return clamped, (f"{label} {value} is not available; using the nearest valid value, {clamped}."
                     if changed else None)


def _clamp(name: str, value):
    if name == "optimizer":
        text = str(value).strip().lower()
        if text not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {value!r}")
        return text
    if name == "pooling":
        text = str(value).strip().lower()
        if text in ("1", "true", "on", "yes", "1.0"):
            return True
        if text in ("0", "false", "off", "no", "0.0"):
            return False
        raise ValueError(f"pooling must be on or off, got {value!r}")
    number = _to_number(name, value)
    if name == "blocks":
        return int(min(max(round(number), BLOCK_RANGE[0]), BLOCK_RANGE[1]))
    if name == "epochs":
        return int(min(max(round(number), EPOCH_RANGE[0]), EPOCH_RANGE[1]))
    if name == "dropout":
        number = min(max(number, DROPOUT_RANGE[0]), DROPOUT_RANGE[1])
        return round(round(number / DROPOUT_STEP) * DROPOUT_STEP, 2)
    if name == "kernel_size":
        return _nearest(number, KERNEL_CHOICES)
    choices = {"filters": FILTER_CHOICES, "dense_units": DENSE_CHOICES, "batch_size": BATCH_CHOICES,
               "samples": SAMPLE_CHOICES}[name]
    return _nearest(number, choices, log_scale=True)


def within_work_cap(config: PlaygroundConfig, max_work: int) -> tuple[PlaygroundConfig, str | None]:
    """Fit a run into the server's cap on ``samples x epochs``.

    Fewer epochs first; if even one epoch of the chosen samples is too much, fewer samples.

    Returns:
        ``(config that fits, sentence saying what changed)``, or ``(config, None)`` if it fit.
    """
    if config.work() <= max_work:
        return config, None
    if config.samples <= max_work:
        epochs = max_work // config.samples
        fitted = replace(config, epochs=epochs)
        return fitted, (f"{config.samples:,} images x {config.epochs} epochs is more than this server allows "
                        f"per run ({max_work:,} image-passes), so this run trains {epochs} epoch"
                        f"{'s' if epochs != 1 else ''}.")
    samples = max([choice for choice in SAMPLE_CHOICES if choice <= max_work] or [SAMPLE_CHOICES[0]])
    fitted = replace(config, samples=samples, epochs=1)
    return fitted, (f"{config.samples:,} images x {config.epochs} epochs is more than this server allows "
                    f"per run ({max_work:,} image-passes), so this run trains 1 epoch on {samples:,} images.")
