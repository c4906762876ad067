"""Settings for every test."""

from hypothesis import HealthCheck, settings

# No per-example deadline and no "too slow" check: on a loaded two-core CI machine a garbage
# collection or a busy neighbour can stretch one example past the default 200 ms, or slow the
# data generation, which says nothing about the code.
settings.register_profile("rstream", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("rstream")
