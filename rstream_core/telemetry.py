"""OpenTelemetry metrics and tracing, when `opentelemetry-api` is installed (`rstream[otel]`).

The instruments carry the names the Go and .NET stream clients use (and the Java client's
byte counters), so dashboards work across languages; the stream is the
`messaging.destination.name` attribute. The client records per batch, per chunk or per
socket read, never per message, and only when a `Telemetry` object exists: without the
extra (or with `metrics=False`) the hot paths test one attribute for None.

Tracing (`tracing=True`) is per message and opt-in: a publish span injects a W3C
`traceparent` into the message's application properties, and a process span on the consumer
side continues the trace it carries.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import Any

DESTINATION = "messaging.destination.name"
METER_NAME = "rstream"


def available() -> bool:
    """True when opentelemetry-api is installed."""
    return importlib.util.find_spec("opentelemetry") is not None


class Telemetry:
    """The instruments of one client object (its meter: from `meter_provider`, else the
    global MeterProvider)."""

    def __init__(self, meter_provider: Any = None, tracer_provider: Any = None,
                 tracing: bool = False) -> None:
        from opentelemetry import metrics, trace

        provider = meter_provider or metrics.get_meter_provider()
        meter = provider.get_meter(METER_NAME)
        self.connections = meter.create_up_down_counter(
            "rabbitmq.stream.connections", unit="{connection}", description="Open connections")
        self.published = meter.create_counter(
            "rabbitmq.stream.published", unit="{message}", description="Messages written")
        self.confirmed = meter.create_counter(
            "rabbitmq.stream.confirmed", unit="{message}", description="Messages confirmed")
        self.errored = meter.create_counter(
            "rabbitmq.stream.errored", unit="{message}",
            description="Messages refused, timed out or lost")
        self.consumed = meter.create_counter(
            "rabbitmq.stream.consumed", unit="{message}",
            description="Messages handed to the application")
        self.chunks = meter.create_counter(
            "rabbitmq.stream.chunks", unit="{chunk}", description="Chunks received")
        self.chunk_size = meter.create_histogram(
            "rabbitmq.stream.chunk_size", unit="{entry}", description="Entries per chunk")
        self.written_bytes = meter.create_counter(
            "rabbitmq.stream.written_bytes", unit="By", description="Bytes written")
        self.read_bytes = meter.create_counter(
            "rabbitmq.stream.read_bytes", unit="By", description="Bytes read")
        # Read when the SDK collects: the sum over the publishers, by stream.
        self._outstanding: list[Callable[[], tuple[str, int]]] = []
        meter.create_observable_up_down_counter(
            "rabbitmq.stream.outstanding_publish_confirmations", [self._observe_outstanding],
            unit="{message}", description="Messages waiting for their confirm")
        self._attributes: dict[str, dict[str, str]] = {}
        self.tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer(METER_NAME) \
            if tracing else None

    def stream(self, name: str) -> dict[str, str]:
        """The attributes of a stream's measurements (one dict per stream, reused)."""
        found = self._attributes.get(name)
        if found is None:
            found = self._attributes[name] = {DESTINATION: name}
        return found

    def watch_outstanding(self, probe: Callable[[], tuple[str, int]]) -> None:
        self._outstanding.append(probe)

    def unwatch_outstanding(self, probe: Callable[[], tuple[str, int]]) -> None:
        if probe in self._outstanding:
            self._outstanding.remove(probe)

    def _observe_outstanding(self, options: Any) -> Iterable[Any]:
        from opentelemetry.metrics import Observation

        totals: dict[str, int] = {}
        for probe in self._outstanding:
            stream, count = probe()
            totals[stream] = totals.get(stream, 0) + count
        return [Observation(count, self.stream(stream)) for stream, count in totals.items()]


def create(enabled: bool | None, meter_provider: Any, tracer_provider: Any,
           tracing: bool) -> Telemetry | None:
    """The client's Telemetry, or None. `enabled` None: on when the API is installed."""
    if not available():
        if tracing or enabled:
            from rstream_core.errors import MissingDependencyError

            raise MissingDependencyError("metrics and tracing", "opentelemetry-api", "otel")
        return None
    if enabled is False and not tracing:
        return None
    if enabled is False:  # tracing only: instruments that record nothing, through no meter
        from opentelemetry.metrics import NoOpMeterProvider

        meter_provider = NoOpMeterProvider()
    return Telemetry(meter_provider, tracer_provider, tracing)


# ------------------------------------------------------------ tracing


def publish_span(telemetry: Telemetry, stream: str, message: Any) -> None:
    """A PRODUCER span for `message`, its context injected as `traceparent` (and
    `tracestate`) into the message's application properties."""
    from opentelemetry import propagate, trace

    assert telemetry.tracer is not None
    with telemetry.tracer.start_as_current_span(
        f"publish {stream}", kind=trace.SpanKind.PRODUCER, attributes=telemetry.stream(stream)
    ):
        carrier = _properties_of(message)
        if carrier is not None:
            propagate.inject(carrier)


@contextlib.contextmanager
def process_span(telemetry: Telemetry, stream: str, message: Any) -> Iterator[None]:
    """A CONSUMER span around the callback, continuing the trace the message carries."""
    from opentelemetry import propagate, trace

    assert telemetry.tracer is not None
    properties = getattr(message, "application_properties", None) or {}
    parent = propagate.extract({k: v for k, v in properties.items() if isinstance(v, str)})
    with telemetry.tracer.start_as_current_span(
        f"process {stream}", context=parent, kind=trace.SpanKind.CONSUMER,
        attributes=telemetry.stream(stream),
    ):
        yield


def _properties_of(message: Any) -> MutableMapping[str, Any] | None:
    """The message's application properties, created when it has none (AMQP messages)."""
    if not hasattr(message, "application_properties"):
        return None  # bytes or a binary message: nothing to carry the context in
    if message.application_properties is None:
        message.application_properties = {}
    properties: MutableMapping[str, Any] = message.application_properties
    return properties
