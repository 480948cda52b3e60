"""Makes the shared fixtures available to every slice's tests."""

from tests.fixtures import *  # noqa: F403
