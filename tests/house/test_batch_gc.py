"""Batches over a whole book pause Python's cyclic collector and give it back as they found it."""

import gc

import pytest

from core.batch import cyclic_gc_paused


def test_the_collector_is_paused_inside_and_restored_after_even_on_an_error():
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), cyclic_gc_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_a_collector_already_paused_stays_paused():
    gc.disable()
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_ledgers_bulk_posting_and_the_ecl_measure_run_with_it_paused(monkeypatch):
    import compliance.ecl
    import ledger.bulk

    seen = []
    monkeypatch.setattr(ledger.bulk, "_post_bulk", lambda specs, actor: seen.append(gc.isenabled()))
    monkeypatch.setattr(
        compliance.ecl, "ecl_stream", lambda as_of, loans: iter([seen.append(gc.isenabled())])
    )
    ledger.bulk.entries_post_bulk(specs=[])
    compliance.ecl.ecl_measure(as_of=None)
    assert seen == [False, False] and gc.isenabled()
