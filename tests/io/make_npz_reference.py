#!/usr/bin/python3
"""Writes tests/io/npz_reference.hpp: .npz files made by numpy (Debian python3-numpy 1.24) with
numpy.savez (stored members) and numpy.savez_compressed (deflated members), holding a float32
C-order array, a float64 vector and a float64 Fortran-order array. test_npy.cpp reads them.

    /usr/bin/python3 tests/io/make_npz_reference.py > tests/io/npz_reference.hpp
"""
import io

import numpy as np

w = np.array([[1.5, -2.0, 0.25], [4.0, 8.0, -1.0]], dtype=np.float32)
b = np.array([0.125, -3.5], dtype=np.float64)
f = np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3))

print("// Made by tests/io/make_npz_reference.py (numpy %s); do not edit." % np.__version__)
print("#pragma once\n\n#include <cstdint>\n#include <vector>\n")
print("namespace npz_reference {\n")
for name, save in [("stored", np.savez), ("deflated", np.savez_compressed)]:
    buffer = io.BytesIO()
    save(buffer, w=w, b=b, f=f)
    data = buffer.getvalue()
    print("// numpy.%s(file, w=w, b=b, f=f)" % save.__name__)
    print("inline const std::vector<std::uint8_t> %s = {" % name)
    for i in range(0, len(data), 16):
        print("    " + ", ".join("0x%02x" % x for x in data[i:i + 16]) + ",")
    print("};\n")
print("}  // namespace npz_reference")
