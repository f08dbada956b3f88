"""Every stored document is normal (runs merged, one paragraph per line, derived texts fresh):
batchUpdate relies on it to skip normalizing after requests that keep runs (docs_apply.RUNS_KEPT).
Checked after every call of a random sweep of batches mixing every request kind, against a copy
normalized from scratch (normalize trusts a paragraph whose derived text is set: edits clear it)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import msgspec

from dtu.twins.core import SeedImage, World
from dtu.twins.google import docs_ops
from dtu.twins.google.docs_model import Document, copy_document, normalize, paragraphs
from dtu.twins.registry import TWINS

ME = "dana@acme.test"
DID = "1DocSweep000000000000000000000000"
WORDS = ["alpha", "beta", "Gamma", "\t", "x\ny", "\n", "😀", "done.", "a\n\nb", "\f", ""]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) + rng.choice([" ", "", "\n"]) for _ in range(rng.randrange(1, 5)))


def _range(rng: random.Random, n: int) -> dict[str, int]:
    s = rng.randrange(0, n + 2)
    return {"startIndex": s, "endIndex": s + rng.randrange(-1, 8)}


def _request(rng: random.Random, n: int) -> dict[str, Any]:
    where: dict[str, Any] = ({"location": {"index": rng.randrange(0, n + 2)}} if rng.random() < .8
                             else {"endOfSegmentLocation": {}})
    name = rng.choice(["n1", "n2"])
    return rng.choice([
        {"insertText": {"text": _text(rng), **where}},
        {"insertText": {"text": _text(rng), **where}},
        {"deleteContentRange": {"range": _range(rng, n)}},
        {"replaceAllText": {"containsText": {"text": rng.choice(["a", "beta", "x", "Gam"]),
                                             "matchCase": rng.random() < .5}, "replaceText": _text(rng)}},
        {"updateTextStyle": {"range": _range(rng, n), "textStyle": {"bold": rng.random() < .5, "italic": True},
                             "fields": rng.choice(["bold", "italic", "bold,italic", "*"])}},
        {"updateParagraphStyle": {"range": _range(rng, n), "fields": "namedStyleType",
                                  "paragraphStyle": {"namedStyleType": rng.choice(["HEADING_1", "NORMAL_TEXT"])}}},
        {"createParagraphBullets": {"range": _range(rng, n),
                                    "bulletPreset": rng.choice(["BULLET_DISC_CIRCLE_SQUARE", "NUMBERED_DECIMAL_NESTED"])}},
        {"deleteParagraphBullets": {"range": _range(rng, n)}},
        {"insertTable": {"rows": rng.randrange(1, 3), "columns": rng.randrange(1, 3), **where}},
        {"insertPageBreak": where},
        {"createNamedRange": {"name": name, "range": _range(rng, n)}},
        {"deleteNamedRange": {"name": name}},
        {"replaceNamedRangeContent": {"namedRangeName": name, "text": _text(rng)}},
    ])


def _from_scratch(doc: Document) -> Document:
    out = copy_document(doc)
    for p, _, _ in paragraphs(out.body):
        p.text = ""
    normalize(out)
    return out


def _sweep_world(rng: random.Random) -> World:
    """A world holding one document of random text, the sweeps' subject."""
    files = [{"id": DID, "name": "Sweep", "kind": "doc", "text": _text(rng)}]
    return World(SeedImage(TWINS, {"google": {"me": ME, "users": [{"email": ME}], "files": files}}, 7, 1.7e9), 7)


def _requests(w: World, rng: random.Random) -> list[dict[str, Any]]:
    """One to three random requests for the sweep's document as it is now."""
    doc = w.ctx("google").state.files[DID].doc
    assert doc is not None
    return [_request(rng, len(doc.text) + 2) for _ in range(rng.randrange(1, 4))]


def test_stored_documents_stay_normal() -> None:
    for seed in range(80):
        rng = random.Random(seed)
        w = _sweep_world(rng)
        for step in range(12):
            reqs = _requests(w, rng)
            asyncio.run(w.call("google", "docs.documents.batchUpdate", {"documentId": DID, "requests": reqs}))
            doc = w.ctx("google").state.files[DID].doc
            assert doc is not None
            assert _from_scratch(doc) == doc, f"seed {seed}, step {step}: {reqs}"


def test_remembered_batches_answer_as_applied_ones() -> None:
    """A batch remembered from another world (docs_ops._BATCHES) answers and stores what applying
    it does: the same sweep played in a world that applies every batch and in two that may reuse."""
    played = []
    for fresh in (True, False, False):
        bodies, docs = [], []
        for seed in range(40):
            rng = random.Random(seed)
            w = _sweep_world(rng)
            for _ in range(8):
                reqs = _requests(w, rng)
                if fresh:
                    docs_ops._BATCHES.clear()
                reply = asyncio.run(w.invoke("google", "docs.documents.batchUpdate", {"documentId": DID, "requests": reqs}))
                bodies.append((reply.status, reply.body))
            docs.append(w.ctx("google").state.files[DID])
        played.append((msgspec.json.encode(bodies), msgspec.msgpack.encode(docs)))
    assert played[0] == played[1] == played[2]


def test_a_batch_too_large_to_remember_is_applied() -> None:
    files = [{"id": DID, "name": "Sweep", "kind": "doc", "text": "hello"}]
    w = World(SeedImage(TWINS, {"google": {"me": ME, "users": [{"email": ME}], "files": files}}, 7, 1.7e9), 7)
    for index in (2**70, 10**6):  # past what MessagePack encodes; an ordinary bad index
        reply = asyncio.run(w.invoke("google", "docs.documents.batchUpdate", {
            "documentId": DID, "requests": [{"insertText": {"text": "x", "location": {"index": index}}}]}))
        assert reply.status == 400
        assert f"Index {index} must be less than the end index" in reply.body["error"]["message"]
