#!/usr/bin/env python3
"""Drops the linker's custom sections ("linking", "reloc.*") from a wasm file, in place.

The wasm is linked with `--emit-relocs` (cargo-leptos asks for it so that wasm-split can
split the shopper's wasm; the staff console's is built with the same flags to reuse the
compiled libraries) and neither wasm-bindgen nor wasm-opt removes what that leaves: about
3.4 MB the browser would download for nothing.
"""
import sys


def leb128(data, i):
    value, shift = 0, 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def main(path):
    data = open(path, "rb").read()
    if data[:4] != b"\0asm":
        sys.exit(f"{path}: not a wasm file")
    out, i = bytearray(data[:8]), 8
    while i < len(data):
        start = i
        section_id = data[i]
        size, body = leb128(data, i + 1)
        end = body + size
        if section_id == 0:
            name_len, name_at = leb128(data, body)
            name = data[name_at:name_at + name_len].decode("utf-8", "replace")
            if name == "linking" or name.startswith("reloc."):
                i = end
                continue
        out += data[start:end]
        i = end
    open(path, "wb").write(bytes(out))


if __name__ == "__main__":
    main(sys.argv[1])
