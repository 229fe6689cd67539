"""Session-wide fixtures: real NATS, Temporal and PostgreSQL servers started by the test run itself."""

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.nats",
    "tests.fixtures.temporal",
    "tests.fixtures.services",
]
