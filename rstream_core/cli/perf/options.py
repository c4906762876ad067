"""`rstream perf`'s options, named as stream-perf-test names them where it has them."""

from __future__ import annotations

import argparse


def comma_list(text: str) -> list[str]:
    return [item for item in text.split(",") if item]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    shape = parser.add_argument_group("producers and consumers")
    shape.add_argument("--producers", "-x", type=int, default=1, help="number of producers")
    shape.add_argument("--consumers", "-y", type=int, default=1, help="number of consumers")
    shape.add_argument("--processes", type=int, default=1,
                       help="spread producers and consumers over N worker processes "
                            "(one Python process uses one core)")
    shape.add_argument("--uvloop", action="store_true",
                       help="run on uvloop (needs the rstream[uvloop] extra)")

    publishing = parser.add_argument_group("publishing")
    publishing.add_argument("--size", "-s", type=int, default=100,
                            help="message body size in bytes, at least 8 (default 100)")
    publishing.add_argument("--rate", "-r", type=int, default=0,
                            help="messages per second for all producers together (0: no limit)")
    publishing.add_argument("--batch-size", "--batch", type=int, default=100, dest="batch_size",
                            help="messages per send_batch; 1: send one by one (default 100)")
    publishing.add_argument("--confirms", "-c", type=int, default=10_000,
                            help="most unconfirmed messages per producer (default 10000)")
    publishing.add_argument("--sub-entry-size", type=int, default=0,
                            help="messages per sub-entry batch (0: no sub-entries)")
    publishing.add_argument("--compression", default="none",
                            help="sub-entry compression: none, gzip, snappy, lz4, zstd")
    publishing.add_argument("--codec", choices=("amqp", "binary"), default="amqp")
    publishing.add_argument("--filter-value-set", type=comma_list, default=None,
                            metavar="A,B,...", help="filter values producers tag messages with")
    publishing.add_argument("--pmessages", "-C", type=int, default=0,
                            help="messages each producer sends, then stops (0: no limit)")

    consuming = parser.add_argument_group("consuming")
    consuming.add_argument("--offset", "-o", default="next",
                           help="first, last, next, an offset, or a timestamp in ms "
                                "(@1700000000000) (default next)")
    consuming.add_argument("--consumer-rate", type=int, default=0,
                           help="messages per second each consumer handles (0: no limit)")
    consuming.add_argument("--consumer-latency", type=float, default=0.0, metavar="MS",
                           help="simulated processing time per message, in milliseconds")
    consuming.add_argument("--store-every", type=int, default=0,
                           help="named consumers store their offset every N messages")
    consuming.add_argument("--single-active-consumer", action="store_true",
                           help="consumers of a stream share one name: one of them is active")
    consuming.add_argument("--filter-values", type=comma_list, default=None, metavar="A,B,...",
                           help="consumers only want messages with these filter values")
    consuming.add_argument("--cmessages", "-D", type=int, default=0,
                           help="messages each consumer reads, then stops (0: no limit)")

    streams = parser.add_argument_group("streams")
    streams.add_argument("--streams", "--stream", "-st", type=comma_list, default=None,
                         metavar="A,B,...", help="streams to use (default: new ones)")
    streams.add_argument("--stream-count", type=int, default=1,
                         help="number of new streams when --streams is not given")
    streams.add_argument("--super-streams", "-sst", action="store_true",
                         help="use super streams instead of streams")
    streams.add_argument("--super-stream-partitions", type=int, default=3)
    streams.add_argument("--max-length-bytes", type=int, default=None)
    streams.add_argument("--max-age", default=None, help='e.g. "3600s"')
    streams.add_argument("--leader-locator", choices=("client-local", "balanced"), default=None)
    streams.add_argument("--initial-member-count", type=int, default=None,
                         help="replicas of a new stream, leader included")
    streams.add_argument("--load-balancer", action="store_true",
                         help="the broker is behind a load balancer (load_balancer_mode)")
    streams.add_argument("--keep", action="store_true", help="keep the streams it created")

    run = parser.add_argument_group("run and output")
    run.add_argument("--time", "--duration", "-z", type=float, default=0.0, dest="time",
                     help="seconds to run (0: until Ctrl-C, or until the message counts)")
    run.add_argument("--json", action="store_true",
                     help="one JSON object per second and a summary object, nothing else")
    run.add_argument("--summary-file", default=None, help="also write the summary (JSON) here")
    run.add_argument("--plot", default=None, metavar="FILE.png",
                     help="draw rates and latency percentiles over time (rstream[perf] extra)")


def check(args: argparse.Namespace) -> str | None:
    """What is wrong with a combination of options, or None."""
    if args.size < 8:
        return "--size must be at least 8 (the send timestamp)"
    if args.producers < 0 or args.consumers < 0:
        return "--producers and --consumers cannot be negative"
    if args.producers == 0 and args.consumers == 0:
        return "nothing to do: no producers and no consumers"
    for option, value in (("--processes", args.processes), ("--batch-size", args.batch_size),
                          ("--stream-count", args.stream_count),
                          ("--super-stream-partitions", args.super_stream_partitions)):
        if value < 1:
            return f"{option} must be at least 1"
    if args.confirms < 1:
        return "--confirms must be at least 1"
    counts = (("--rate", args.rate), ("--consumer-rate", args.consumer_rate),
              ("--time", args.time), ("--pmessages", args.pmessages),
              ("--cmessages", args.cmessages), ("--sub-entry-size", args.sub_entry_size),
              ("--consumer-latency", args.consumer_latency), ("--store-every", args.store_every))
    for option, value in counts:
        if value < 0:
            return f"{option} cannot be negative"
    if args.compression != "none" and not args.sub_entry_size:
        return "--compression needs --sub-entry-size (compression applies to sub-entry batches)"
    if (args.filter_value_set or args.filter_values) and args.codec != "amqp":
        return "filtering needs --codec amqp (the value travels in application properties)"
    if args.sub_entry_size and args.super_streams:
        return "--sub-entry-size does not apply to super streams"
    return None
