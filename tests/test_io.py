"""Atomic outputs: aiindex._io (temporary name + rename, manifest written last)."""

from __future__ import annotations

import json
import os
import stat

import pandas as pd
import pytest

from aiindex._io import MANIFEST, OutputDir, read_manifest, write_text_atomic
from aiindex.errors import AIIndexError


def test_write_text_atomic_leaves_nothing_on_failure(tmp_path):
    p = tmp_path / "a.html"
    write_text_atomic(p, "old")

    class Boom(Exception):
        pass

    from aiindex._io import atomic_path

    with pytest.raises(Boom), atomic_path(p) as tmp:
        tmp.write_text("half")
        raise Boom
    assert p.read_text() == "old"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.html"]


def test_output_dir_manifest_is_written_last_with_checksums(tmp_path):
    d = tmp_path / "out"
    with OutputDir(d, command="aiindex run x", config={"name": "x"}) as out:
        out.write_csv("scores.csv", pd.DataFrame({"a": [1.0, 2.0]}))
        out.write_text("note.txt", "hi")
        # nothing appears under a final name before the block ends
        assert sorted(p.name for p in d.iterdir() if not p.name.startswith(".")) == []
    m = read_manifest(d)
    assert m["complete"] is True and m["command"] == "aiindex run x"
    assert [f["name"] for f in m["files"]] == ["scores.csv", "note.txt"]
    assert m["files"][1]["bytes"] == 2 and len(m["files"][1]["sha256"]) == 64
    assert out.paths[-1].name == MANIFEST


def test_interrupted_output_keeps_the_earlier_run(tmp_path):
    d = tmp_path / "out"
    with OutputDir(d) as out:
        out.write_text("scores.csv", "old")
    with pytest.raises(KeyboardInterrupt), OutputDir(d) as out:
        out.write_text("scores.csv", "new, half")
        raise KeyboardInterrupt
    assert (d / "scores.csv").read_text() == "old"
    assert read_manifest(d)["complete"] is True
    assert not list(d.glob(".*.part"))


def test_stale_files_of_an_earlier_run_are_removed(tmp_path):
    d = tmp_path / "out"
    with OutputDir(d) as out:
        out.write_text("log_impute.csv", "x")
        out.write_text("scores.csv", "1")
    with OutputDir(d) as out:
        out.write_text("scores.csv", "2")
    assert sorted(p.name for p in d.iterdir()) == [MANIFEST, "scores.csv"]
    assert out.removed == ["log_impute.csv"]


def test_incomplete_manifest_is_not_a_finished_output(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    (d / MANIFEST).write_text(json.dumps({"complete": False, "files": [{"name": "a.csv"}]}))
    (d / "a.csv").write_text("partial")
    with pytest.raises(AIIndexError, match="complete"):
        read_manifest(d)
    with OutputDir(d) as out:  # the next run removes the listed files
        out.write_text("b.csv", "new")
    assert sorted(p.name for p in d.iterdir()) == ["b.csv", MANIFEST]


def test_refuses_a_folder_of_someone_elses_files(tmp_path):
    (tmp_path / "thesis.docx").write_text("precious")
    with pytest.raises(AIIndexError, match="not empty"), OutputDir(tmp_path):
        pass
    assert (tmp_path / "thesis.docx").read_text() == "precious"
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(AIIndexError, match="is a file"), OutputDir(f):
        pass


def test_bad_names(tmp_path):
    with pytest.raises(AIIndexError, match="plain file name"), OutputDir(tmp_path / "o") as out:
        out.write_text("../escape.txt", "x")
    with pytest.raises(AIIndexError, match="twice"), OutputDir(tmp_path / "p") as out:
        out.write_text("a", "x")
        out.write_text("a", "y")


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_outputs_get_the_permissions_of_any_new_file(tmp_path):
    """Catches mkstemp's owner-only 0600 leaking into published files (a report on a server)."""
    old = os.umask(0o022)
    try:
        single = write_text_atomic(tmp_path / "report.html", "<p>x</p>")
        with OutputDir(tmp_path / "out") as out:
            out.write_text("a.csv", "x\n1\n")
        folder_file = tmp_path / "out" / "a.csv"
    finally:
        os.umask(old)
    assert stat.S_IMODE(single.stat().st_mode) == 0o644
    assert stat.S_IMODE(folder_file.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "out" / "manifest.json").stat().st_mode) == 0o644


def test_pre_check_and_output_folder_agree_on_hidden_files(tmp_path):
    """Catches check_output accepting a folder that OutputDir then refuses after a long run."""
    from aiindex._io import check_output

    out = tmp_path / "out"
    out.mkdir()
    (out / ".gitkeep").write_text("")
    check_output(out, folder=True)
    with OutputDir(out) as d:
        d.write_text("a.csv", "x\n1\n")
    assert (out / ".gitkeep").exists() and (out / "a.csv").exists()


def test_temporaries_are_left_alone_in_a_folder_that_is_not_ours(tmp_path):
    """Catches the clean-up of stale temporaries running before the folder is known to be ours."""
    out = tmp_path / "theirs"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / ".abc.part-notes.txt").write_text("someone's")
    with pytest.raises(AIIndexError, match="not empty"), OutputDir(out):
        pass
    assert (out / ".abc.part-notes.txt").exists()
