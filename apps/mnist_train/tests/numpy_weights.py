#!/usr/bin/python3
"""numpy's side of cli_weights.sh, with nothing but numpy (Debian python3-numpy).

    numpy_weights.py check WEIGHTS LOGITS MNIST_DIR
        Reads weights mnist-train wrote (.npz through numpy.load, .safetensors through the
        minimal reader below), computes the MLP's logits on the MNIST test images in float64 and
        compares them with the logits mnist-train wrote (--logits-out). Prints the largest
        difference relative to the largest logit; exits 1 above TOLERANCE.
    numpy_weights.py permute WEIGHTS OUT
        Writes the same network with its hidden units in another order (a different file, the
        same function) as numpy.savez or as safetensors by OUT's extension, with no metadata, as
        a file from numpy or PyTorch would be. cli_weights.sh loads it into mnist-train.

The files are in PyTorch's layout: torch.nn.Sequential(Linear, act, ..., Linear) names (0.weight,
0.bias, 2.weight, ...) and Linear weights as (out, in). Activation and normalisation (p / 255)
are mnist-train's defaults, except that --act is given as the last argument of check.
"""
import json
import math
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(body[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(
            entry["shape"])
    return tensors


def write_safetensors(path, tensors):
    header, offset, chunks = {}, 0, []
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64"}[array.dtype]
        raw = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def read_weights(path):
    if path.endswith(".npz"):
        with np.load(path) as archive:
            return {name: archive[name] for name in archive.files}
    return read_safetensors(path)


def layers(weights):
    """[(W (out, in), b)] in order: Sequential positions 0, 2, 4, ..."""
    positions = sorted({int(name.split(".")[0]) for name in weights})
    return [(weights["%d.weight" % p], weights["%d.bias" % p]) for p in positions]


def activation(name, x):
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "gelu":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    raise SystemExit("unknown activation " + name)


def test_images(mnist_dir):
    with open(mnist_dir + "/t10k-images-idx3-ubyte", "rb") as f:
        data = f.read()
    count, rows, cols = struct.unpack(">III", data[4:16])
    return np.frombuffer(data[16:], dtype=np.uint8).reshape(count, rows * cols) / 255.0


def logits(weights, images, act):
    h = images
    stack = layers(weights)
    for i, (w, b) in enumerate(stack):
        h = h @ w.astype(np.float64).T + b.astype(np.float64)
        if i + 1 < len(stack):
            h = activation(act, h)
    return h


def check(weights_path, logits_path, mnist_dir, act, tolerance):
    weights = read_weights(weights_path)
    ours = logits(weights, test_images(mnist_dir), act)
    theirs = np.load(logits_path).astype(np.float64)
    if theirs.shape != ours.shape:
        raise SystemExit("FAIL: logits of shape %s, numpy's %s" % (theirs.shape, ours.shape))
    difference = np.max(np.abs(ours - theirs)) / max(1.0, np.max(np.abs(ours)))
    accuracy = np.mean(np.argmax(ours, axis=1) == np.argmax(theirs, axis=1))
    print("%s: %d tensors, largest logit difference %.3g (relative), argmax agreement %.4f"
          % (weights_path, len(weights), difference, accuracy))
    if not difference <= tolerance:
        raise SystemExit("FAIL: logits differ by %.3g, more than %g" % (difference, tolerance))


def permute(weights_path, out_path):
    weights = read_weights(weights_path)
    stack = layers(weights)
    rng = np.random.default_rng(7)
    out = {}
    previous = None  # the order of the previous layer's outputs
    for i, (w, b) in enumerate(stack):
        w = w if previous is None else w[:, previous]
        if i + 1 < len(stack):
            order = rng.permutation(w.shape[0])
            w, b, previous = w[order], b[order], order
        out["%d.weight" % (2 * i)], out["%d.bias" % (2 * i)] = w, b
    if out_path.endswith(".npz"):
        np.savez(out_path, **out)
    else:
        write_safetensors(out_path, out)
    print("%s: the network of %s with its hidden units permuted" % (out_path, weights_path))


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6]))
    elif sys.argv[1] == "permute":
        permute(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
