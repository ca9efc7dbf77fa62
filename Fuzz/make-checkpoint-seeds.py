#!/usr/bin/env python3
"""Writes corpus-checkpoint/: seeds for CheckpointFuzz (byte 0 = control byte, then a checkpoint).

From the version-1 fixture of the workflow tests: the file itself, the same model re-encoded as
format version 2 (metadata as `forecast fit` writes it), and a small gru(2) model with the same
metadata. Run from Fuzz/: python3 make-checkpoint-seeds.py
"""
import json, struct, zlib, pathlib

fixture = pathlib.Path("../Tests/ForecastWorkflowTests/Fixtures/checkpoint-v1-rnn-prices.ckpt").read_bytes()
out = pathlib.Path("corpus-checkpoint")
out.mkdir(exist_ok=True)

hlen = struct.unpack_from("<I", fixture, 8)[0]
header = json.loads(fixture[12:12 + hlen])
count = struct.unpack_from("<Q", fixture, 12 + hlen)[0]
params = list(struct.unpack_from("<%df" % count, fixture, 20 + hlen))
entries = header["metadata"]
metadata = {
    "configuration": json.loads(entries["configuration"]),
    "features": json.loads(entries["features"]),
    "model": entries.get("model", header["spec"]),
    "scaler": json.loads(entries["scaler"]),
    "target": entries["target"],
    "toolVersion": entries.get("tool_version", "seed"),
    "windowing": json.loads(entries["windowing"]),
}

def encode(spec, time_steps, input_dim, output_dim, meta, parameters):
    h = json.dumps({"inputDim": input_dim, "outputDim": output_dim, "spec": spec, "timeSteps": time_steps},
                   separators=(",", ":"), sort_keys=True).encode()
    m = json.dumps(meta, separators=(",", ":"), sort_keys=True).encode()
    b = b"FCST" + struct.pack("<II", 2, len(h)) + h + struct.pack("<I", len(m)) + m
    b += struct.pack("<Q", len(parameters)) + struct.pack("<%df" % len(parameters), *parameters)
    return b + struct.pack("<I", zlib.crc32(b) & 0xFFFFFFFF)

(out / "v1-rnn-prices.bin").write_bytes(b"\x00" + fixture)
(out / "v2-rnn-prices.bin").write_bytes(b"\x00" + encode(header["spec"], header["timeSteps"], header["inputDim"],
                                                          header["outputDim"], metadata, params))
small = dict(metadata, windowing=dict(metadata["windowing"], timeSteps=4), model="custom")
gru = [0.1 * ((i * 7) % 11 - 5) for i in range(33)]
(out / "v2-gru2-small.bin").write_bytes(b"\x02" + encode("gru(2) > dense(1)", 4, 1, 1, small, gru))
ff = [0.05 * ((i * 5) % 9 - 4) for i in range(4 * 3 + 3 + 3 + 1)]
(out / "v2-ff-small.bin").write_bytes(b"\x01" + encode("flatten > dense(3, relu) > dense(1)", 4, 1, 1, small, ff))
