"""Settings for every test."""

import os

from hypothesis import HealthCheck, settings

# No per-example deadline and no "too slow" check: on a loaded two-core CI machine a garbage
# collection or a busy neighbour can stretch one example past the default 200 ms, or slow the
# data generation, which says nothing about the code. Examples are the same on every run (a
# red CI must mean a change broke something); RSTREAM_HYPOTHESIS_SEARCH=1 draws new ones each
# run, to look for what the fixed ones miss.
settings.register_profile(
    "rstream",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=os.environ.get("RSTREAM_HYPOTHESIS_SEARCH") != "1",
)
settings.load_profile("rstream")
