"""theta_net.voxel: the chunk codec, chunk diffs and terrain from Python."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import theta_net
from theta_net import CodecError, voxel
from theta_net.commands import bench

from conftest import SHARED

CORPUS = SHARED / "data" / "minecraft" / "sections.u16"


def corpus_sections(count: int) -> np.ndarray:
    if not CORPUS.exists():
        pytest.skip(f"the shared corpus {CORPUS} is missing")
    return np.fromfile(CORPUS, dtype="<u2", count=count * 4096).reshape(count, 16, 16, 16)


def test_round_trip_of_every_preset_and_mode():
    ids = voxel.generate_terrain(seed=5, chunk_pos=(1, 3, -2))
    assert ids.shape == (16, 16, 16) and ids.dtype == np.uint16
    for mode in voxel.PRESETS + voxel.MODES:
        blob = voxel.encode(ids, mode)
        assert isinstance(blob, bytes)
        np.testing.assert_array_equal(voxel.decode(blob), ids)
    assert voxel.info(voxel.encode(ids, "zstd"))["mode"] == "zstd"


def test_shapes_come_from_the_blob():
    for shape in [(16, 16, 16), (32, 32, 32), (384, 16, 16), (3, 5, 7)]:
        ids = voxel.generate_terrain(seed=2, chunk_pos=(0, 0, 0), dims=shape)
        blob = voxel.encode(ids)
        out = voxel.decode(blob)
        assert out.shape == shape
        np.testing.assert_array_equal(out, ids)
        assert voxel.info(blob)["shape"] == shape


def test_corpus_sections_shrink_below_zstd_19():
    sections = corpus_sections(200)
    sizes = [len(voxel.encode(s)) for s in sections]
    assert np.mean(sizes) < 354
    for s in sections[:20]:
        np.testing.assert_array_equal(voxel.decode(voxel.encode(s, "best")), s)


def test_non_contiguous_input_is_accepted_and_wrong_dtypes_are_refused():
    ids = voxel.generate_terrain(seed=1, chunk_pos=(0, 4, 0), dims=(16, 16, 32))
    view = ids[:, :, ::2]  # not contiguous: copied once by numpy
    np.testing.assert_array_equal(voxel.decode(voxel.encode(view)), view)
    with pytest.raises(CodecError) as err:
        voxel.encode(ids.astype(np.int32))
    assert err.value.code == "invalid_argument" and "uint16" in err.value.message
    with pytest.raises(CodecError):
        voxel.encode(ids.reshape(-1))
    with pytest.raises(CodecError):
        voxel.encode(np.zeros((600, 1, 1), np.uint16))
    with pytest.raises(CodecError, match="unknown mode"):
        voxel.encode(ids, "fastest")


def test_decoder_errors_carry_the_message():
    ids = voxel.generate_terrain(seed=3, chunk_pos=(0, 3, 0))
    blob = bytearray(voxel.encode(ids))
    with pytest.raises(CodecError) as err:
        voxel.decode(bytes(blob[:-2]))
    assert err.value.code == "truncated"
    blob[5] ^= 1
    with pytest.raises(CodecError) as err:
        voxel.decode(bytes(blob))
    assert err.value.code == "checksum_mismatch" and "CRC32C" in err.value.message
    blob[0] = 200
    with pytest.raises(CodecError) as err:
        voxel.decode(bytes(blob))
    assert err.value.code == "unsupported_version"
    assert isinstance(err.value, theta_net.Error)


def test_diffs_round_trip_and_refuse_another_base():
    base = voxel.generate_terrain(seed=9, chunk_pos=(0, 4, 0))
    target = base.copy()
    target[10, 3, 4] = 0
    target[11, 3, 4] = 0
    target[2, 2, 2] = 16
    diff = voxel.encode_diff(base, target)
    assert len(diff) < 40
    np.testing.assert_array_equal(voxel.apply_diff(base, diff), target)
    assert voxel.encode_diff(base, {(10, 3, 4): 0, (11, 3, 4): 0, (2, 2, 2): 16}) == diff
    assert (
        voxel.encode_diff(base, [(10 * 256 + 3 * 16 + 4, 0), (11 * 256 + 52, 0), (2 * 256 + 34, 16)]) == diff
    )
    before = base.copy()
    other = voxel.generate_terrain(seed=10, chunk_pos=(0, 4, 0))
    with pytest.raises(CodecError) as err:
        voxel.apply_diff(other, diff)
    assert err.value.code == "checksum_mismatch"
    np.testing.assert_array_equal(base, before)
    # Everything changed: the diff is the full chunk, and still applies.
    full = np.full_like(base, 7)
    np.testing.assert_array_equal(voxel.apply_diff(base, voxel.encode_diff(base, full)), full)
    with pytest.raises(CodecError):
        voxel.encode_diff(base, {5000: 1})


def test_terrain_is_deterministic_and_seeded():
    a = voxel.generate_terrain(42, (0, 3, 0))
    np.testing.assert_array_equal(a, voxel.generate_terrain(42, (0, 3, 0)))
    assert not np.array_equal(a, voxel.generate_terrain(43, (0, 3, 0)))
    # The same crc as the C++ golden test (tests/cpp/world/terrain_generator_test.cpp).
    assert theta_net.crc32c(a.tobytes()) == 3706507716
    flat = voxel.generate_terrain(0, (0, 0, 0), kind="superflat")
    assert flat[0, 0, 0] == 7 and flat[3, 5, 5] == 3 and flat[4:].max() == 0
    big = voxel.generate_terrain(1, (-1, 0, -1), dims=(128, 32, 32))
    np.testing.assert_array_equal(big[48:64, 16:32, 0:16], voxel.generate_terrain(1, (-1, 3, 0)))
    with pytest.raises(CodecError):
        voxel.generate_terrain(1, (0, 0, 0), kind="caves")


def test_generated_terrain_shrinks_more_than_80_percent():
    sizes = []
    for cx in range(3):
        for cy in range(8):
            ids = voxel.generate_terrain(1, (cx, cy, 0))
            if ids.any():
                sizes.append(len(voxel.encode(ids)))
    assert np.mean(sizes) < 0.2 * 8192


def test_the_gil_is_released_while_coding():
    ids = voxel.generate_terrain(1, (0, 0, 0), dims=(64, 128, 128))
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        start = time.perf_counter()
        while time.perf_counter() - start < 0.3:
            voxel.decode(voxel.encode(ids, "context"))
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 20  # the ticker ran during the C++ work


def test_bench_table_formats_a_report():
    def entry(name, bps, mean, p90):
        return {
            "name": name + "_median",
            "run_name": name,
            "run_type": "aggregate",
            "aggregate_name": "median",
            "bytes_per_second": bps,
            "mean_bytes": mean,
            "p90_bytes": p90,
        }

    report = {
        "context": {"date": "now", "num_cpus": 2, "mhz_per_cpu": 2000, "load_avg": [1.0]},
        "benchmarks": [],
    }
    for dataset in ("corpus", "terrain"):
        for method, mean, enc, dec in [
            ("default", 250.0, 700e6, 600e6),
            ("best", 200.0, 30e6, 30e6),
            ("zstd_3", 514.0, 600e6, 1200e6),
            ("zstd_19", 354.0, 3e6, 1700e6),
        ]:
            report["benchmarks"].append(entry(f"{dataset}/{method}/encode", enc, mean, 400))
            report["benchmarks"].append(entry(f"{dataset}/{method}/decode", dec, mean, 400))
    table = bench.codec_table(report)
    assert "| theta_net default preset | 250.0 | 400 | 96.9% | 700 | 600 |" in table
    assert "default decode 600 MB/s >= 1,000 MB/s: NOT met" in table
    assert "best mean 200.0 B <= 0.8 x zstd -19's = 283.2 B: met" in table
    assert "96.9% reduction > 80%: met" in table
