"""files.list and files.get build only the File fields a `fields` selector names (and read the
caller's role only for fields that depend on it): the selected response equals the one cut from
the whole resource, for every seeded file and user of the library."""

from __future__ import annotations

import msgspec
import pytest

from dtu.runner.engine import Prepared
from dtu.runner.scenario import BUNDLED, load_all
from dtu.twins.google.drive_json import FILE_FIELDS, file_json, needs_role
from dtu.twins.google.fields import parse, select, subtree
from dtu.twins.google.state import role_of
from dtu.twins.registry import TWINS

SPECS = ["files(id,name)", "files(owners/emailAddress,permissions(role,emailAddress))", "files(capabilities/canEdit)",
         "files(*)", "*", "files", "nextPageToken", "files(md5Checksum,exportLinks,webViewLink,iconLink,shared)",
         "files(" + ",".join(FILE_FIELDS) + ")", "files(lastModifyingUser,owners,driveId,teamDriveId,ownedByMe)"]
STATES = [Prepared(ld, 0, TWINS).world(1).ctx("google").state
          for ld in load_all([BUNDLED]) if "google" in ld.scenario.seed]


@pytest.mark.parametrize("spec", SPECS)
def test_selected_fields_equal_the_cut_of_the_whole_file(spec: str) -> None:
    tree = parse(spec)
    want = subtree(tree, "files")
    for s in STATES:
        for f in s.files.values():
            for actor in list(s.users)[:4]:
                role = role_of(s, f, actor) or "reader"
                whole = {"files": [file_json(s, f, actor, role)]}
                lazy = {"files": [file_json(s, f, actor, role if needs_role(want) else "", "", want)]}
                assert msgspec.json.encode(select(lazy, tree)) == msgspec.json.encode(select(whole, tree))
