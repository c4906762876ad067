"""Metrics and traces with OpenTelemetry, printed to the console.

Needs `pip install "rstream[otel]" opentelemetry-sdk`. The client records through the global
MeterProvider and TracerProvider (or the `meter_provider=`/`tracer_provider=` it is given)
under the instrument names of the Go and .NET stream clients: rabbitmq.stream.published,
confirmed, errored, consumed, chunks, chunk_size, outstanding_publish_confirmations,
connections, written_bytes, read_bytes. With `tracing=True` each message carries its publish
span's `traceparent`, and the consumer's process span continues that trace.
"""

import asyncio
import os

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, PeriodicExportingMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

from rstream import AMQPMessage, Consumer, MessageContext, Producer, amqp_decoder

STREAM = "example-otel"
HOST = os.environ.get("RSTREAM_HOST", "localhost")


def one_line(span) -> str:  # type: ignore[no-untyped-def]
    parent = f" parent {span.parent.span_id:016x}" if span.parent else ""
    return f"span {span.name} {span.context.span_id:016x}{parent}\n"


async def main() -> None:
    reader = PeriodicExportingMetricReader(ConsoleMetricExporter(), export_interval_millis=60_000)
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(formatter=one_line)))
    trace.set_tracer_provider(tracer_provider)

    received = asyncio.Event()

    def on_message(message: AMQPMessage, context: MessageContext) -> None:
        print("traceparent carried:", message.application_properties["traceparent"])
        received.set()

    async with Producer(HOST, tracing=True) as producer, Consumer(HOST, tracing=True) as consumer:
        await producer.create_stream(STREAM, exists_ok=True)
        await consumer.subscribe(STREAM, on_message, decoder=amqp_decoder)
        await producer.send_wait(STREAM, AMQPMessage(body=b"hello, traced"))
        await asyncio.wait_for(received.wait(), 10)
        await producer.delete_stream(STREAM)
    reader.force_flush()  # prints the metrics once, as JSON


if __name__ == "__main__":
    asyncio.run(main())
