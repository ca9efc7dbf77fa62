#!/usr/bin/env python3
"""Compare two report folders of `forecast fit` runs number by number.

    scripts/check/same_numbers.py BEFORE_FOLDER AFTER_FOLDER

metrics.json: equal after dropping the fields that time the run (generated_at,
duration_seconds, train_seconds) and the command line. Checkpoints (model-*.ckpt, format
version 1 or 2): the same spec, shapes and parameter bytes, bit for bit; the metadata is
compared as typed values (version 1 held it as strings with JSON inside).
Exit 0 when everything matches, 1 otherwise (each difference printed).
"""
import json, struct, sys, zlib
from pathlib import Path

TIMING = {"generated_at", "duration_seconds", "train_seconds", "command_line"}


def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in TIMING}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def read_checkpoint(path):
    b = Path(path).read_bytes()
    assert b[:4] == b"FCST", path
    assert zlib.crc32(b[:-4]) == struct.unpack("<I", b[-4:])[0], f"{path}: CRC"
    version, hlen = struct.unpack("<II", b[4:12])
    header = json.loads(b[12:12 + hlen])
    off = 12 + hlen
    if version == 1:
        meta = {k: (json.loads(v) if v[:1] in "[{" else v) for k, v in header.pop("metadata").items()}
    else:
        (mlen,) = struct.unpack("<I", b[off:off + 4])
        meta = json.loads(b[off + 4:off + 4 + mlen])
        off += 4 + mlen
    (count,) = struct.unpack("<Q", b[off:off + 8])
    params = b[off + 8:off + 8 + 4 * count]
    return version, header, meta, params


def main(before, after):
    before, after = Path(before), Path(after)
    ok = True
    a = strip(json.loads((before / "metrics.json").read_text()))
    b = strip(json.loads((after / "metrics.json").read_text()))
    if a != b:
        ok = False
        for k in a:
            if a.get(k) != b.get(k):
                print(f"metrics.json: '{k}' differs")
    else:
        print("metrics.json: equal (timing fields dropped)")
    for ck in sorted(before.glob("model-*.ckpt")):
        other = after / ck.name
        if not other.exists():
            print(f"{ck.name}: missing after"); ok = False; continue
        va, ha, ma, pa = read_checkpoint(ck)
        vb, hb, mb, pb = read_checkpoint(other)
        same_params = pa == pb
        same_header = ha == hb
        shared = ["scaler", "windowing", "features", "target", "model"]
        same_meta = all(ma.get(k) == mb.get(k) for k in shared) and \
            strip(ma.get("configuration")) == strip(mb.get("configuration"))
        print(f"{ck.name}: v{va} -> v{vb}, parameters {'identical' if same_params else 'DIFFER'} "
              f"({len(pa) // 4} floats), header {'equal' if same_header else 'DIFFERS'}, "
              f"metadata {'equal' if same_meta else 'DIFFERS'}")
        ok &= same_params and same_header and same_meta
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
