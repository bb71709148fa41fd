"""Fixtures for importing models and retrieving worked examples: the training area's tiny model and pairs."""

from tests.training.conftest import pairs_file, pipeline, settings, tiny_model  # noqa: F401  (shared session fixtures)
