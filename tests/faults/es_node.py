"""An Elasticsearch node of the fault tests' own, which they may stop and start again.

The session's node (tests/plugins/elasticsearch.py) is shared with other tests, so it is never
stopped; this one keeps its data dir and HTTP port across `halt` and `resume`, as a real node
restarted by an operator does.
"""

from __future__ import annotations

import os
import signal
import time

from exportwatch.devtools._es_node import NODE_USER, LocalNode
from exportwatch.devtools._server import system_account
from tests.faults.processes import free_port

__all__ = ["RestartableNode"]


class RestartableNode(LocalNode):
    """A `LocalNode` on a fixed port whose process can be killed and relaunched on its data."""

    def __init__(self) -> None:
        super().__init__(http_port=free_port(), start_timeout=90.0)

    def halt(self) -> None:
        """`kill -9` the node (no clean shutdown); its files stay for `resume`."""
        assert self._process is not None, "the node is not running"
        os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait(30)
        self._process = None
        if self._output is not None:
            self._output.close()
            self._output = None

    def freeze(self) -> None:
        """SIGSTOP the node: it stops answering at once, mid-request."""
        assert self._process is not None, "the node is not running"
        os.killpg(self._process.pid, signal.SIGSTOP)

    def resume(self) -> float:
        """Launch the node again on the same data and port; returns the seconds until healthy."""
        assert self._process is None and self.run_dir is not None, "halt() the node first"
        (self.run_dir / "logs" / "http.ports").unlink(missing_ok=True)
        account = system_account(
            (self.user or NODE_USER,),
            product=self.product,
            error=self.setup_error,
            logger=self.logger,
        )
        launched = time.monotonic()
        self._launch(account)
        self._url = self._wait_until_healthy(launched)
        return time.monotonic() - launched
