"""``theta-net data train-dictionary``: trains a zstd dictionary for DataBatch payloads from a
batch recording (``theta-net data soak --record-batches FILE``, or ``theta_net.data``'s
``write_batch_recording`` from a DataHost's batches), and measures what it gains: every fifth
batch of the recording is held out of training and packed with zstd alone and with the
dictionary, at the level the server uses (3). Load the dictionary with ``--dictionary`` (soak),
``DataHost.set_dictionary`` and ``ClientDB.load_dictionary``.

Prints one JSON object: samples, held_out, dictionary_bytes, dictionary_id, and
held_out_bytes {raw, zstd, zstd_dictionary}. Exit status: 0, or 2 on a bad recording.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..data import read_batch_recording, train_dictionary
from ..errors import Error


def run(args: argparse.Namespace) -> int:
    try:
        batches = read_batch_recording(args.recording)
        training = [b for i, b in enumerate(batches) if i % 5 != 4]
        held_out = [b for i, b in enumerate(batches) if i % 5 == 4]
        result = train_dictionary(training, args.size, held_out)
    except (Error, OSError) as exc:
        print(f"theta-net data train-dictionary: {exc}", file=sys.stderr)
        return 2
    Path(args.out).write_bytes(result.pop("dictionary"))
    print(json.dumps(result))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train-dictionary",
        help="train a zstd dictionary from recorded batches",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("recording", help="a batch recording (soak --record-batches)")
    parser.add_argument("--out", required=True, help="where to write the dictionary")
    parser.add_argument("--size", type=int, default=16384, help="dictionary size in bytes")
    parser.set_defaults(func=run)
