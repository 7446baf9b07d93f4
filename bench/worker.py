"""One measurement in a fresh process: ``python bench/worker.py '<job as JSON>'``.

Installs the loopback guard first, runs one scenario body for one client, and prints the result
as one JSON line on stdout. Started by ``runner.py``; handy on its own under a profiler.
"""

from __future__ import annotations

import guard

guard.install()

import json  # noqa: E402
import sys  # noqa: E402

from clients import CLIENTS  # noqa: E402
from scenarios import RUNNERS, Job  # noqa: E402


def main() -> None:
    job = Job(**json.loads(sys.argv[1]))
    result = RUNNERS[job.scenario](CLIENTS[job.client], job)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
