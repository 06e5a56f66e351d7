"""Progress reporting (aiindex._progress): library steps reach the installed reporter only."""

from __future__ import annotations

import io

from aiindex import _progress


class Recorder:
    def __init__(self):
        self.events = []

    def start(self, label, total):
        self.events.append(("start", label, total))
        return label

    def advance(self, handle, amount):
        self.events.append(("advance", handle, amount))

    def finish(self, handle):
        self.events.append(("finish", handle))


def test_steps_reach_the_installed_reporter_and_nest():
    rec = Recorder()
    with _progress.use(rec):
        with _progress.step("outer", total=2) as adv:
            with _progress.step("inner") as adv2:
                adv2(5)
            adv()
            adv()
    assert rec.events == [("start", "outer", 2), ("start", "inner", None), ("advance", "inner", 5),
                          ("finish", "inner"), ("advance", "outer", 1.0),
                          ("advance", "outer", 1.0), ("finish", "outer")]
    assert isinstance(_progress.current(), _progress.NullReporter)  # restored


def test_default_shows_nothing_and_finish_runs_on_error():
    rec = Recorder()
    with _progress.step("quiet", total=3) as adv:  # no reporter: a no-op
        adv(3)
    try:
        with _progress.use(rec), _progress.step("fails", total=1):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert rec.events[-1] == ("finish", "fails")


def test_text_reporter_shows_share_and_time_left():
    buf = io.StringIO()
    rep = _progress.TextReporter(buf, every=0.0)
    with _progress.use(rep), _progress.step("replications", total=4) as adv:
        adv(1)
        adv(1)
    text = buf.getvalue()
    assert "replications:" in text and "25.0%" in text and "50.0%" in text and "left" in text
