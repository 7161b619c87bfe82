"""studio_engine: the Python side of the personalization studio.

It reads a job spec, works on local files and writes NDJSON events to stdout (human logs go to
stderr). It never talks to PostgreSQL or the API; the trainer service owns this process.
See ../../protocol/PROTOCOL.md.
"""

__version__ = "0.1.0"
PROTOCOL_VERSION = 1
