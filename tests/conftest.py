"""Makes the shared fixtures available to the cross-slice tests."""

from tests.fixtures import *  # noqa: F403
