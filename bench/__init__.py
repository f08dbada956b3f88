"""dtu's benchmarks: `python -m bench` from the repo root. Never imported by runner/."""
