"""A synthetic `--workers` worker: the real worker's protocol (a Shard as JSON on stdin, frames of
trajectory lines on stdout, see runner/shard.py `Frame`), but its lines are pre-made, so it writes
as fast as the pipe takes them and the parent's merge is what is measured.

`python -m bench.synthetic TEMPLATES`: TEMPLATES is a msgpack file {scenario id: [head, tail]},
a real, satisfied trajectory line cut around its trial number."""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec

BLOCK = 64  # lines per frame (a real worker at 1,000 in flight sends hundreds per loop turn)


def main(path: str) -> int:
    templates: dict[str, list[bytes]] = msgspec.msgpack.decode(Path(path).read_bytes())
    shard = msgspec.json.decode(sys.stdin.buffer.read())  # no need for dtu's Shard type: trials only
    out = sys.stdout.buffer
    trials = shard["trials"]
    for start in range(0, len(trials), BLOCK):
        lines = [b"%s%d%s" % (templates[sid][0], k, templates[sid][1]) for _, sid, k in trials[start:start + BLOCK]]
        body = b"".join(lines)
        # the header as runner/shard.py's Frame encodes it: [size, satisfied, errored, [trial indices]]
        out.write(msgspec.json.encode([len(body), len(lines), 0, list(range(start, start + len(lines)))]) + b"\n")
        out.write(body)
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
