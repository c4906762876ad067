"""rstream: a fast asyncio client for RabbitMQ Streams."""
