"""TLS, with PLAIN or with EXTERNAL (the user name comes from the client certificate).

The broker needs a TLS stream listener and, for EXTERNAL, `rabbitmq_auth_mechanism_ssl`;
scripts/broker sets both up with a throwaway CA (RSTREAM_CERTS points at its files).
"""

import asyncio
import os
import ssl

from rstream import Producer, SlasMechanism

CERTS = os.environ.get("RSTREAM_CERTS", "/var/cache/rstream-broker/forky/etc/rabbitmq/certs")
HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def main() -> None:
    context = ssl.create_default_context(cafile=f"{CERTS}/ca_certificate.pem")
    context.load_cert_chain(f"{CERTS}/client_certificate.pem", f"{CERTS}/client_key.pem")
    async with Producer(
        HOST,
        port=5551,
        ssl_context=context,
        sasl_configuration_mechanism=SlasMechanism.MechanismExternal,
    ) as producer:
        await producer.create_stream("example-tls", exists_ok=True)
        status = await producer.send_wait("example-tls", b"over TLS")
        print(f"message {status.message_id} confirmed over TLS with EXTERNAL")
        await producer.delete_stream("example-tls")


if __name__ == "__main__":
    asyncio.run(main())
