"""rstream 1.x constructor settings keep working: mapped where they mean something, else
accepted with a DeprecationWarning that says why."""

from __future__ import annotations

import pytest

from rstream import Consumer, Producer, SuperStreamConsumer, SuperStreamProducer


def test_connection_limits_and_retries_are_mapped() -> None:
    producer = Producer("localhost", max_publishers_by_connection=7, max_retries=3)
    assert producer._pool.max_per_connection == 7
    assert producer._pool.connect_attempts == 3
    consumer = Consumer("localhost", max_subscribers_by_connection=5)
    assert consumer._pool.max_per_connection == 5


@pytest.mark.parametrize(
    "setting", ["default_batch_publishing_delay", "default_context_switch_value",
                "recovery_strategy"],
)
def test_settings_without_meaning_warn(setting: str) -> None:
    with pytest.warns(DeprecationWarning, match=setting):
        Producer("localhost", **{setting: 1})  # type: ignore[misc]


def test_super_stream_classes_take_the_seed_settings() -> None:
    with pytest.warns(DeprecationWarning):
        SuperStreamProducer(
            "localhost", super_stream="s", routing_extractor=str, max_retries=2,
            max_publishers_by_connection=3, default_batch_publishing_delay=0.2,
        )
    SuperStreamConsumer("localhost", super_stream="s", max_subscribers_by_connection=2)
