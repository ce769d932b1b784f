"""Real local servers for tests: recorded HTTP fixtures and an SMTP sink, both on 127.0.0.1."""

from tests.mockserver.http import FixtureServer, RecordedRequest, Response
from tests.mockserver.smtp import CapturedMessage, SMTPServer

__all__ = ["CapturedMessage", "FixtureServer", "RecordedRequest", "Response", "SMTPServer"]
