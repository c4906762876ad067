"""OpenTelemetry against the broker: the instruments the Go and .NET clients name, read with
the SDK's in-memory reader, and a trace that goes from the producer to the consumer inside the
messages (W3C traceparent in the application properties)."""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from rstream import AMQPMessage, Consumer, MessageContext, Producer, amqp_decoder

from .conftest import HOST, PORT, wait_for

COUNT = 500


def points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    """Every data point of every rstream instrument, by name."""
    found: dict[str, list[Any]] = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            if scope.scope.name != "rstream":
                continue
            for metric in scope.metrics:
                found.setdefault(metric.name, []).extend(metric.data.data_points)
    return found


def total(found: dict[str, list[Any]], name: str, stream: str | None = None) -> float:
    return sum(
        p.value for p in found.get(name, [])
        if stream is None or p.attributes.get("messaging.destination.name") == stream
    )


async def test_metrics_count_what_was_published_confirmed_and_consumed(stream: str) -> None:
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    received: list[int] = []

    def on_message(message: AMQPMessage, context: MessageContext) -> None:
        received.append(context.offset)

    async with Producer(HOST, PORT, meter_provider=meters) as producer:
        for i in range(COUNT // 100):
            await producer.send_batch(stream, [AMQPMessage(body=b"m%d" % i)] * 100)
        await producer.flush()
        during = points(reader)
        assert total(during, "rabbitmq.stream.connections") >= 1
        async with Consumer(HOST, PORT, meter_provider=meters) as consumer:
            await consumer.subscribe(stream, on_message, decoder=amqp_decoder)
            await wait_for(lambda: len(received) == COUNT)
            found = points(reader)
    assert total(found, "rabbitmq.stream.published", stream) == COUNT
    assert total(found, "rabbitmq.stream.confirmed", stream) == COUNT
    assert total(found, "rabbitmq.stream.errored", stream) == 0
    assert total(found, "rabbitmq.stream.consumed", stream) == COUNT
    chunks = total(found, "rabbitmq.stream.chunks", stream)
    assert chunks >= 1
    [histogram] = [p for p in found["rabbitmq.stream.chunk_size"]
                   if p.attributes["messaging.destination.name"] == stream]
    assert histogram.count == chunks and histogram.sum == COUNT
    assert total(found, "rabbitmq.stream.outstanding_publish_confirmations", stream) == 0
    assert total(found, "rabbitmq.stream.written_bytes") > COUNT * 10
    assert total(found, "rabbitmq.stream.read_bytes") > COUNT * 10
    assert total(points(reader), "rabbitmq.stream.connections") == 0  # all closed


async def test_a_trace_goes_from_publish_to_process_through_the_message(stream: str) -> None:
    exporter = InMemorySpanExporter()
    tracers = TracerProvider()
    tracers.add_span_processor(SimpleSpanProcessor(exporter))
    carried: list[Any] = []

    async def on_message(message: AMQPMessage, context: MessageContext) -> None:
        carried.append(message.application_properties.get("traceparent"))

    # metrics=False: the spans, and no metric at all (even given a meter provider).
    reader = InMemoryMetricReader()
    settings: dict[str, Any] = {"tracing": True, "tracer_provider": tracers, "metrics": False,
                                "meter_provider": MeterProvider(metric_readers=[reader])}
    async with Producer(HOST, PORT, **settings) as producer:
        await producer.send_wait(stream, AMQPMessage(body=b"traced"))
        await producer.send_batch(stream, [AMQPMessage(body=b"batch") for _ in range(2)])
        await producer.flush()
    async with Consumer(HOST, PORT, **settings) as consumer:
        await consumer.subscribe(stream, on_message, decoder=amqp_decoder)
        await wait_for(lambda: len(carried) == 3)
    spans = exporter.get_finished_spans()
    published = [s for s in spans if s.kind is SpanKind.PRODUCER]
    processed = [s for s in spans if s.kind is SpanKind.CONSUMER]
    assert [s.name for s in published] == [f"publish {stream}"] * 3
    assert [s.name for s in processed] == [f"process {stream}"] * 3
    for sent, handled, header in zip(published, processed, carried, strict=True):
        assert handled.context.trace_id == sent.context.trace_id  # the same trace
        assert handled.parent is not None and handled.parent.span_id == sent.context.span_id
        # version-trace id-parent id-flags (sampled; newer SDKs add the "random" flag)
        assert header.startswith(f"00-{sent.context.trace_id:032x}-{sent.context.span_id:016x}-")
        assert handled.attributes["messaging.destination.name"] == stream
    assert points(reader) == {}
